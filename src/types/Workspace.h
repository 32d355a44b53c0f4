#pragma once

#include <QHash>
#include <QList>
#include <QString>

namespace poolscope {

// How a target names its own clients among a pgbouncer's (SHOW CLIENTS): by the client's address, by its
// application_name, or both (then both must match). Empty: the target is not behind pgbouncer.
struct PgbouncerClients
{
    QString addr; // SHOW CLIENTS.addr, e.g. "10.0.3.7" (a Unix socket shows as "unix")
    QString applicationName; // SHOW CLIENTS.application_name

    bool isEmpty() const { return addr.isEmpty() && applicationName.isEmpty(); }
    bool matches(const QString& clientAddr, const QString& clientApplicationName) const
    {
        return !isEmpty() && (addr.isEmpty() || addr == clientAddr)
            && (applicationName.isEmpty() || applicationName == clientApplicationName);
    }
    bool operator==(const PgbouncerClients&) const = default;
};

// One process that owns a pool and serves a JSON health endpoint.
struct TargetConfig
{
    QString name;
    QString url;
    // Where the app serves its holders (README "Holders"), fetched each poll after `url`; empty: none.
    QString holdersUrl;
    QString profile = QStringLiteral("auto");
    // Explicit JSON Pointers (RFC 6901): metric key -> pointer, and "routes" -> pointer to the routes
    // container, "routes.name"/"routes.acquired"/... -> pointer inside one route entry.
    QHash<QString, QString> fields;
    int intervalMs = 2000;
    int timeoutMs = 2000;
    qint64 maxBodyBytes = 4 * 1024 * 1024;
    QHash<QString, QString> headers; // values may hold ${env:NAME}, expanded at request time
    QString applicationName; // pg_stat_activity.application_name of this process's connections
    QString database; // name of the databases[] entry whose backends belong to this target
    QString pool; // the pool to read when a Prometheus payload exposes several (its pool label's value)
    // Behind pgbouncer: which of its clients are this process (see PgbouncerClients). When set, the
    // target's backends are those a pgbouncer server connection links to a matching client right now.
    PgbouncerClients pgbouncerClients;
    // The service this process is a replica of: the agent's `service` label (README, "Watching a fleet");
    // empty means the target's own name.
    QString service;

    bool operator==(const TargetConfig&) const = default;
};

// One PostgreSQL database whose pg_stat_activity is read.
struct DatabaseConfig
{
    QString name;
    QString conninfo; // a libpq conninfo string or URI; "service=NAME" works; ${env:NAME} expanded
    int intervalMs = 2000;
    int timeoutMs = 5000; // connect and statement timeout

    bool operator==(const DatabaseConfig&) const = default;
};

// One pgbouncer whose admin console (SHOW POOLS/SERVERS/CLIENTS) is read.
struct PoolerConfig
{
    QString name;
    QString conninfo; // to the admin console: dbname=pgbouncer; ${env:NAME} expanded; no password
    QString database; // the databases[] entry whose backends are its server connections (remote_pid)
    int intervalMs = 2000;
    int timeoutMs = 5000; // connect and read timeout

    bool operator==(const PoolerConfig&) const = default;
};

// Discrepancy thresholds (defaults from the seed: "if it grows beyond 20-25, investigate").
struct Thresholds
{
    double discrepancyWarning = 20;
    double discrepancyCritical = 25;
    double growthWarningPerHour = 1; // verdict "growing" faster than this is a warning

    bool operator==(const Thresholds&) const = default;
};

// Guarded actions on a backend (pg_cancel_backend, pg_terminate_backend): off unless the workspace's
// `actions` turns them on, one by one.
struct Actions
{
    bool cancel = false;
    bool terminate = false;

    bool operator==(const Actions&) const = default;
};

// A Prometheus that scrapes PoolScope agents: the window reads the fleet and backfills history from its HTTP
// API. Disabled while url is empty.
struct PrometheusConfig
{
    QString url; // the server's base URL (http:// or https://), e.g. http://prometheus:9090
    QString token; // bearer token as ${env:NAME} only (expanded at request time, never stored expanded)
    QString agentToken; // the agents' bearer token for /api/v1/snapshot, ${env:NAME} only, like `token`
    QString selector; // extra label matchers added to every query, e.g. {env="prod"}; empty for none
    int timeoutMs = 10'000;

    bool enabled() const { return !url.isEmpty(); }
    bool operator==(const PrometheusConfig&) const = default;
};

struct Workspace
{
    static constexpr int kVersion = 1;

    QList<TargetConfig> targets;
    QList<DatabaseConfig> databases;
    QList<PoolerConfig> poolers;
    Thresholds thresholds;
    Actions actions;
    PrometheusConfig prometheus;
    QString path; // where it was loaded from, empty for ad-hoc flags

    bool operator==(const Workspace& other) const
    {
        return targets == other.targets && databases == other.databases && poolers == other.poolers
            && thresholds == other.thresholds && actions == other.actions && prometheus == other.prometheus;
    }

    const TargetConfig* target(const QString& name) const;
    const DatabaseConfig* database(const QString& name) const;
    const PoolerConfig* pooler(const QString& name) const;
};

} // namespace poolscope
