#pragma once

#include "Exposition.h"
#include "JsonPointer.h"
#include "ProfileResult.h"
#include "SeriesSelector.h"
#include "types/Metric.h"

#include <QHash>
#include <QJsonDocument>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <array>
#include <optional>

namespace poolscope {

// Maps a health payload onto the fixed metrics and per-route counters (DESIGN.md, "Metrics").
//
// Each metric (and the routes container) is located either by an explicit JSON Pointer or by a list
// of well-known member names searched at any depth: the shallowest match wins, ties go to the first
// object met breadth-first (members in QJsonObject order, which Qt keeps sorted by key) and, inside
// one object, to the earlier name in the list. The search never descends into a routes container or a
// `holders` array; the shallowest `holders` member is read as the holders contract (HoldersReader).
//
// Built-in profiles: "auto" (every well-known name, SQLAlchemy's QueuePool.status() string too), "seed" (the seed
// service's explicit pointers), "psycopg_pool" (ConnectionPool.get_stats() names), "node-postgres" (pg.Pool counters).
// Explicit `fields` (workspace) override the profile per metric: metric key -> pointer,
// "routes" -> pointer to the routes container, "routes.name", "routes.acquired", "routes.released",
// "routes.active", "routes.leaks" -> pointers relative to one route entry.
//
// Prometheus text and OpenMetrics payloads (Exposition) are mapped by series instead: `fields` values that
// are not JSON Pointers are PromQL-style selectors ("hikaricp_connections_active{pool=\"main\"}"), and
// "auto" knows the well-known names of OpenTelemetry, Micrometer/HikariCP and Go's database/sql.
//
// A present field of the wrong type is an error naming the metric and the pointer; a missing field is
// absent (NaN). When absent: checked_out = pool_size - pool_idle, discrepancy = checked_out - tracked,
// route active = acquired - released.
class Profile
{
public:
    enum class RouteField : int { Name, Acquired, Released, Active, Leaks, NumRouteFields };
    static constexpr int kRouteFieldCount = static_cast<int>(RouteField::NumRouteFields);

    static QStringList builtinNames();
    static std::optional<Profile> builtin(const QString& name);
    // A built-in profile with explicit fields applied. On failure (unknown profile, bad fields) returns
    // nullopt and sets *error to a message naming the profile or the field key.
    static std::optional<Profile> create(
        const QString& name, const QHash<QString, QString>& fields = {}, QString* error = nullptr);

    // Every key a workspace `fields` object may hold: the metric keys, "routes", "routes.name", ...
    static QStringList fieldKeys();
    // "routes.acquired" etc.
    static QString routeFieldKey(RouteField field);

    const QString& name() const { return m_name; }

    ProfileResult apply(const QJsonValue& root) const;
    ProfileResult apply(const QJsonDocument& document) const;
    // Maps a Prometheus/OpenMetrics payload. `pool` picks one pool when the process exposes several
    // (labels pool, pool_name, db_client_connection_pool_name, db_name); with several and no `pool`, the
    // metric is an error listing them, never a sum.
    ProfileResult apply(const Exposition& exposition, const QString& pool = {}) const;

    // The label names that name a pool in exposition payloads.
    static const QStringList& poolLabels();

private:
    struct Locator
    {
        std::optional<JsonPointer> pointer; // explicit; wins over searchKeys
        QStringList searchKeys; // member names searched (metrics, routes: any depth; route fields: direct)
        std::optional<SeriesSelector> selector; // explicit, for exposition payloads
        QList<SeriesSelector> wellKnownSeries; // searched in order in exposition payloads
        bool isSet() const { return pointer.has_value() || !searchKeys.isEmpty(); }
    };

    Profile() = default;
    void applyFields(const QHash<QString, QString>& fields);
    void readRoutes(
        const QJsonValue& container, const JsonPointer& at, ProfileResult& result, QStringList& errors) const;

    QString m_name;
    std::array<Locator, kMetricCount> m_metrics {};
    Locator m_routes;
    std::array<Locator, kRouteFieldCount> m_routeFields {};
    bool m_readsQueuePoolStatus = false; // SQLAlchemy's QueuePool.status() string, when checked_out is absent
};

// Whether a `fields` value is a JSON Pointer rather than a series selector: "" and "/..." are pointers, and so
// is anything that is neither a valid selector nor has a label set ("database/pool" lacks its leading '/').
bool isJsonPointerField(const QString& value);

// Checks a workspace target's `fields`: unknown keys, malformed JSON Pointers and series selectors, one message per
// problem, each starting with "<key>: " (sorted by key; the workspace loader prefixes
// "targets[i].fields."). Empty when all is well.
QStringList validateFields(const QHash<QString, QString>& fields);

} // namespace poolscope
