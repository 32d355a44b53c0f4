#pragma once

#include <QHash>
#include <QList>
#include <QString>

#include <optional>

namespace poolscope {

// One process that owns a pool and serves a JSON health endpoint.
struct TargetConfig
{
    QString name;
    QString url;
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

// Discrepancy thresholds (defaults from the seed: "if it grows beyond 20-25, investigate").
struct Thresholds
{
    double discrepancyWarning = 20;
    double discrepancyCritical = 25;
    double growthWarningPerHour = 1; // verdict "growing" faster than this is a warning

    bool operator==(const Thresholds&) const = default;
};

struct Workspace
{
    static constexpr int kVersion = 1;

    QList<TargetConfig> targets;
    QList<DatabaseConfig> databases;
    Thresholds thresholds;
    QString path; // where it was loaded from, empty for ad-hoc flags

    bool operator==(const Workspace& other) const
    {
        return targets == other.targets && databases == other.databases && thresholds == other.thresholds;
    }

    const TargetConfig* target(const QString& name) const;
    const DatabaseConfig* database(const QString& name) const;
};

// The result of loading or validating: a workspace, or every problem found, each naming its place
// ("targets[1].interval: must be a number of seconds between 0.1 and 3600").
struct WorkspaceResult
{
    std::optional<Workspace> workspace;
    QStringList errors;
    bool ok() const { return workspace.has_value(); }
};

WorkspaceResult loadWorkspace(const QString& path);
WorkspaceResult parseWorkspace(const QByteArray& json, const QString& sourceName);
// Validates names, URLs, intervals and references; fills defaults (application_name, database).
QStringList validateWorkspace(Workspace& workspace);
QByteArray workspaceToJson(const Workspace& workspace);
// The workspace as it may be stored (a recording's meta table): header names kept but their values
// removed, user:password@ removed from URLs and the values of secret-looking query parameters and
// conninfo parameters (password, sslpassword, ...) removed.
Workspace withoutSecrets(Workspace workspace);

// Expands ${env:NAME} from the process environment; an unset variable expands to "" and is reported.
QString expandEnv(const QString& text, QStringList* unsetNames = nullptr);

} // namespace poolscope
