#include "Profile.h"

#include "HoldersReader.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

constexpr std::size_t idx(Metric metric)
{
    return static_cast<std::size_t>(metric);
}

constexpr std::size_t idx(Profile::RouteField field)
{
    return static_cast<std::size_t>(field);
}

const QStringList& routeFieldNames()
{
    static const QStringList names { u"name"_s, u"acquired"_s, u"released"_s, u"active"_s, u"leaks"_s };
    return names;
}

QString routesKey()
{
    return u"routes"_s;
}

QString derivedSource()
{
    return u"derived"_s;
}

QString describePointer(const JsonPointer& pointer)
{
    return pointer.isRoot() ? u"\"\" (the whole document)"_s : pointer.toString();
}

QString describeValue(const QJsonValue& value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return u"null"_s;
    case QJsonValue::Bool:
        return value.toBool() ? u"a boolean (true)"_s : u"a boolean (false)"_s;
    case QJsonValue::Double:
        return std::isfinite(value.toDouble()) ? u"a number ("_s % QString::number(value.toDouble()) % u")"_s
                                               : u"a non-finite number"_s;
    case QJsonValue::String: {
        constexpr qsizetype kMaxShown = 40;
        QString text = value.toString();
        if (text.size() > kMaxShown)
            text = text.left(kMaxShown) % u"…"_s;
        return u"a string (\""_s % text % u"\")"_s;
    }
    case QJsonValue::Array:
        return u"an array"_s;
    case QJsonValue::Object:
        return u"an object"_s;
    case QJsonValue::Undefined:
        break;
    }
    return u"nothing"_s;
}

QString typeError(const QString& label, const JsonPointer& at, const QString& expected, const QJsonValue& value)
{
    return label % u" at "_s % describePointer(at) % u": expected "_s % expected % u", got "_s % describeValue(value);
}

// Reads a finite number or records an error naming label and pointer.
double readNumber(const QJsonValue& value, const QString& label, const JsonPointer& at, QStringList& errors)
{
    if (value.isDouble()) {
        const double v = value.toDouble();
        if (std::isfinite(v))
            return v;
    }
    errors.append(typeError(label, at, u"a number"_s, value));
    return kAbsent;
}

// Reads a count (a whole number, 0 or more, exact as a double) or records an error naming label and pointer.
// Pools never report -3 or 2.5 connections: such a value means the pointer or the payload is wrong.
double readCount(const QJsonValue& value, const QString& label, const JsonPointer& at, QStringList& errors)
{
    constexpr double kMaxExact = 9007199254740992.0; // 2^53
    if (value.isDouble()) {
        const double v = value.toDouble();
        if (std::isfinite(v) && v >= 0 && v <= kMaxExact && std::floor(v) == v)
            return v;
        if (std::isfinite(v)) {
            errors.append(typeError(label, at, u"a count (a whole number, 0 or more)"_s, value));
            return kAbsent;
        }
    }
    errors.append(typeError(label, at, u"a number"_s, value));
    return kAbsent;
}

// Resolves an explicit pointer; a pointer that cannot apply is recorded as an error naming label.
std::optional<QJsonValue> resolveExplicit(
    const JsonPointer& pointer, const QJsonValue& root, const QString& label, QStringList& errors)
{
    JsonPointer::Resolution resolution = pointer.resolve(root);
    if (!resolution.ok()) {
        errors.append(label % u" at "_s % describePointer(pointer) % u": "_s % resolution.error);
        return std::nullopt;
    }
    return resolution.value;
}

// A breadth-first search over every object and array of the payload, for the first (shallowest)
// member named by each locator's keys.
class TreeSearch
{
public:
    struct Match
    {
        QJsonValue value;
        JsonPointer at;
    };

    // wanted[i]: member names for slot i, in order of preference; empty = not searched.
    // skip: a container location that is never descended into (an explicit routes container).
    static std::vector<std::optional<Match>> run(
        const QJsonValue& root, const std::vector<QStringList>& wanted, const std::optional<JsonPointer>& skip)
    {
        std::vector<std::optional<Match>> found(wanted.size());
        std::size_t pending = 0;
        for (const QStringList& keys : wanted)
            pending += keys.isEmpty() ? 0 : 1;

        struct Node
        {
            QJsonValue value;
            qsizetype parent;
            QString token;
            qsizetype depth;
        };
        std::vector<Node> nodes;
        nodes.push_back({ root, -1, {}, 0 });

        auto pathOf = [&nodes](qsizetype i) {
            QStringList tokens;
            for (; i > 0; i = nodes[static_cast<std::size_t>(i)].parent)
                tokens.prepend(nodes[static_cast<std::size_t>(i)].token);
            return JsonPointer(std::move(tokens));
        };
        auto skipped = [&](qsizetype parent, const QString& token, qsizetype depth) {
            if (token == routesKey() || token == u"holders"_s)
                return true;
            if (!skip || skip->tokens().size() != depth)
                return false;
            return pathOf(parent).child(token) == *skip;
        };

        for (std::size_t i = 0; i < nodes.size() && pending > 0; ++i) {
            const QJsonValue value = nodes[i].value; // a copy: nodes may grow below
            const qsizetype depth = nodes[i].depth + 1;
            const qsizetype self = static_cast<qsizetype>(i);
            if (value.isObject()) {
                const QJsonObject object = value.toObject();
                for (std::size_t w = 0; w < wanted.size(); ++w) {
                    if (found[w] || wanted[w].isEmpty())
                        continue;
                    for (const QString& key : wanted[w]) {
                        const auto it = object.constFind(key);
                        if (it != object.constEnd()) {
                            found[w] = Match { it.value(), pathOf(self).child(key) };
                            --pending;
                            break;
                        }
                    }
                }
                for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
                    const QJsonValue child = it.value();
                    if ((child.isObject() || child.isArray()) && !skipped(self, it.key(), depth))
                        nodes.push_back({ child, self, it.key(), depth });
                }
            } else if (value.isArray()) {
                const QJsonArray array = value.toArray();
                for (qsizetype k = 0; k < array.size(); ++k) {
                    const QJsonValue child = array.at(k);
                    if ((child.isObject() || child.isArray()) && !skipped(self, QString::number(k), depth))
                        nodes.push_back({ child, self, QString::number(k), depth });
                }
            }
        }
        return found;
    }
};

// SQLAlchemy's QueuePool.status(): "Pool size: 5  Connections in pool: 0 Current Overflow: -2 Current Checked out
// connections: 3", found as any string in the payload (breadth-first, the shallowest wins).
void readQueuePoolStatus(const QJsonValue& root, ProfileResult& result)
{
    static const QRegularExpression status(
        uR"(Pool size:\s*(\d+)\s+Connections in pool:\s*(\d+)\s+Current Overflow:\s*)"
        uR"((-?\d+)\s+Current Checked out connections:\s*(\d+))"_s);
    std::vector<std::pair<QJsonValue, JsonPointer>> queue { { root, JsonPointer() } };
    for (std::size_t i = 0; i < queue.size(); ++i) {
        const auto [value, at] = queue[i];
        if (value.isString()) {
            const QRegularExpressionMatch match = status.match(value.toString());
            if (!match.hasMatch())
                continue;
            const QString source = at.toString() % u" (QueuePool.status())"_s;
            result.metrics.set(Metric::CheckedOut, match.captured(4).toDouble());
            result.sources[idx(Metric::CheckedOut)] = source;
            if (!result.metrics.has(Metric::PoolIdle)) {
                result.metrics.set(Metric::PoolIdle, match.captured(2).toDouble());
                result.sources[idx(Metric::PoolIdle)] = source;
            }
            return;
        }
        if (value.isObject()) {
            const QJsonObject object = value.toObject();
            for (auto it = object.constBegin(); it != object.constEnd(); ++it)
                queue.emplace_back(it.value(), at.child(it.key()));
        } else if (value.isArray()) {
            const QJsonArray array = value.toArray();
            for (qsizetype k = 0; k < array.size(); ++k)
                queue.emplace_back(array.at(k), at.child(k));
        }
    }
}

// Nothing a view needs was found: no pool metric and no routes.
bool recognisedNothing(const ProfileResult& result)
{
    for (int m = 0; m < kMetricCount; ++m) {
        if (result.metrics.has(static_cast<Metric>(m)))
            return false;
    }
    return result.routes.isEmpty() && result.routesSource.isEmpty();
}

// "a, b, c" or "a, b, c, … (12 in all)", each name quoted as it is (control characters shown as '?').
QString listSome(QStringList names)
{
    constexpr qsizetype kShown = 8;
    for (QString& name : names) {
        for (QChar& c : name) {
            if (c.category() == QChar::Other_Control)
                c = u'?';
        }
    }
    const qsizetype all = names.size();
    if (all <= kShown)
        return names.join(u", ");
    return names.first(kShown).join(u", ") % u", … ("_s % QString::number(all) % u" in all)"_s;
}

} // namespace

QStringList Profile::builtinNames()
{
    return { u"auto"_s, u"seed"_s, u"psycopg_pool"_s, u"node-postgres"_s };
}

std::optional<Profile> Profile::builtin(const QString& name)
{
    Profile profile;
    profile.m_name = name;
    auto search = [&profile](Metric metric, QStringList keys) { profile.m_metrics[idx(metric)].searchKeys = keys; };
    auto pointer = [&profile](Metric metric, const QString& text) {
        profile.m_metrics[idx(metric)].pointer = JsonPointer::parse(text);
    };

    if (name == u"auto") {
        // The well-known names, then the metric's own key (PoolScope's own JSON uses those).
        // SQLAlchemy's checkedout()/checkedin(), psycopg_pool's min_size/max_size attributes.
        search(Metric::CheckedOut, { u"checked_out"_s, u"checkedOut"_s, u"checkedout"_s });
        search(Metric::Tracked, { u"total_active"_s, u"tracked"_s, u"tracked_active"_s });
        search(Metric::Discrepancy, { u"tracking_discrepancy"_s, u"discrepancy"_s });
        search(Metric::AcquiredTotal, { u"total_acquired"_s, u"acquired_total"_s });
        search(Metric::ReleasedTotal, { u"total_released"_s, u"released_total"_s });
        search(Metric::LeaksTotal, { u"total_leaks"_s, u"leaks_total"_s });
        search(Metric::PoolMin, { u"pool_min"_s, u"min_size"_s });
        search(Metric::PoolMax, { u"pool_max"_s, u"max_size"_s });
        search(Metric::PoolSize, { u"pool_size"_s, u"totalCount"_s });
        search(Metric::PoolIdle, { u"pool_available"_s, u"idleCount"_s, u"pool_idle"_s, u"checkedin"_s });
        profile.m_readsQueuePoolStatus = true;
        search(Metric::Waiting, { u"requests_waiting"_s, u"waitingCount"_s, u"waiting"_s });
        profile.m_routes.searchKeys = { routesKey() };
        // Exposition payloads: OpenTelemetry's semantic conventions (current, then older), Micrometer's
        // HikariCP meters, client_golang's database/sql collector; in their Prometheus spellings.
        auto series = [&profile](Metric metric, std::initializer_list<QString> selectors) {
            for (const QString& text : selectors)
                profile.m_metrics[idx(metric)].wellKnownSeries.append(*SeriesSelector::parse(text));
        };
        series(Metric::CheckedOut,
            { uR"(db_client_connection_count{db_client_connection_state="used"})"_s,
                uR"(db_client_connections_usage{state="used"})"_s, u"hikaricp_connections_active"_s,
                u"go_sql_in_use_connections"_s });
        series(Metric::PoolIdle,
            { uR"(db_client_connection_count{db_client_connection_state="idle"})"_s,
                uR"(db_client_connections_usage{state="idle"})"_s, u"hikaricp_connections_idle"_s,
                u"go_sql_idle_connections"_s });
        series(Metric::PoolSize, { u"hikaricp_connections"_s, u"go_sql_open_connections"_s });
        series(Metric::PoolMax,
            { u"db_client_connection_max"_s, u"db_client_connections_max"_s, u"hikaricp_connections_max"_s,
                u"go_sql_max_open_connections"_s });
        series(Metric::PoolMin,
            { u"db_client_connection_idle_min"_s, u"db_client_connections_idle_min"_s, u"hikaricp_connections_min"_s });
        series(Metric::Waiting,
            { u"db_client_connection_pending_requests"_s, u"db_client_connections_pending_requests"_s,
                u"hikaricp_connections_pending"_s });
        series(Metric::Tracked, { u"poolscope_tracked_connections"_s });
    } else if (name == u"seed") {
        pointer(Metric::CheckedOut, u"/database/pool/checked_out"_s);
        pointer(Metric::PoolSize, u"/database/pool/pool_size"_s);
        pointer(Metric::PoolIdle, u"/database/pool/pool_available"_s);
        pointer(Metric::PoolMin, u"/database/pool/pool_min"_s);
        pointer(Metric::PoolMax, u"/database/pool/pool_max"_s);
        pointer(Metric::Waiting, u"/database/pool/requests_waiting"_s);
        pointer(Metric::Tracked, u"/database/tracking/total_active"_s);
        pointer(Metric::AcquiredTotal, u"/database/tracking/total_acquired"_s);
        pointer(Metric::ReleasedTotal, u"/database/tracking/total_released"_s);
        pointer(Metric::LeaksTotal, u"/database/tracking/total_leaks"_s);
        pointer(Metric::Discrepancy, u"/database/tracking/tracking_discrepancy"_s);
        profile.m_routes.pointer = JsonPointer::parse(u"/database/tracking/routes");
    } else if (name == u"psycopg_pool") {
        search(Metric::PoolMin, { u"pool_min"_s });
        search(Metric::PoolMax, { u"pool_max"_s });
        search(Metric::PoolSize, { u"pool_size"_s });
        search(Metric::PoolIdle, { u"pool_available"_s });
        search(Metric::Waiting, { u"requests_waiting"_s });
    } else if (name == u"node-postgres") {
        search(Metric::PoolSize, { u"totalCount"_s });
        search(Metric::PoolIdle, { u"idleCount"_s });
        search(Metric::Waiting, { u"waitingCount"_s });
    } else {
        return std::nullopt;
    }

    profile.m_routeFields[idx(RouteField::Name)].searchKeys = { u"name"_s, u"route"_s, u"path"_s };
    for (int f = static_cast<int>(RouteField::Acquired); f < kRouteFieldCount; ++f)
        profile.m_routeFields[static_cast<std::size_t>(f)].searchKeys = { routeFieldNames().at(f) };
    return profile;
}

std::optional<Profile> Profile::create(const QString& name, const QHash<QString, QString>& fields, QString* error)
{
    std::optional<Profile> profile = builtin(name);
    if (!profile) {
        if (error)
            *error
                = u"unknown profile \""_s % name % u"\" (built-in profiles: "_s % builtinNames().join(u", ") % u")"_s;
        return std::nullopt;
    }
    const QStringList problems = validateFields(fields);
    if (!problems.isEmpty()) {
        if (error)
            *error = u"fields."_s % problems.join(u"; fields."_s);
        return std::nullopt;
    }
    profile->applyFields(fields);
    return profile;
}

QStringList Profile::fieldKeys()
{
    QStringList keys;
    for (int m = 0; m < kMetricCount; ++m)
        keys.append(metricKey(static_cast<Metric>(m)));
    keys.append(routesKey());
    for (int f = 0; f < kRouteFieldCount; ++f)
        keys.append(routeFieldKey(static_cast<RouteField>(f)));
    return keys;
}

QString Profile::routeFieldKey(RouteField field)
{
    return routesKey() % u'.' % routeFieldNames().at(static_cast<qsizetype>(field));
}

void Profile::applyFields(const QHash<QString, QString>& fields)
{
    for (auto it = fields.constBegin(); it != fields.constEnd(); ++it) {
        if (!isJsonPointerField(it.value())) {
            const std::optional<Metric> metric = metricFromKey(it.key());
            if (metric)
                m_metrics[idx(*metric)] = Locator { {}, {}, SeriesSelector::parse(it.value()), {} };
            continue; // validateFields() reported selectors anywhere else, and malformed ones
        }
        std::optional<JsonPointer> pointer = JsonPointer::parse(it.value());
        if (!pointer)
            continue; // validateFields() reported it
        if (const std::optional<Metric> metric = metricFromKey(it.key())) {
            m_metrics[idx(*metric)] = Locator { pointer, {}, {}, {} };
        } else if (it.key() == routesKey()) {
            m_routes = Locator { pointer, {}, {}, {} };
        } else {
            for (int f = 0; f < kRouteFieldCount; ++f) {
                if (it.key() == routeFieldKey(static_cast<RouteField>(f)))
                    m_routeFields[static_cast<std::size_t>(f)] = Locator { pointer, {}, {}, {} };
            }
        }
    }
}

ProfileResult Profile::apply(const QJsonDocument& document) const
{
    if (document.isArray())
        return apply(QJsonValue(document.array()));
    if (document.isObject())
        return apply(QJsonValue(document.object()));
    return apply(QJsonValue());
}

ProfileResult Profile::apply(const QJsonValue& root) const
{
    ProfileResult result;
    QStringList errors;

    // Slots 0..kMetricCount-1 are the metrics, then the routes container, then the holders array (every
    // profile reads the holders contract where the payload has it).
    std::vector<QStringList> wanted(kMetricCount + 2);
    wanted[kMetricCount + 1] = QStringList { u"holders"_s };
    for (int m = 0; m < kMetricCount; ++m) {
        const Locator& locator = m_metrics[static_cast<std::size_t>(m)];
        if (!locator.pointer && !locator.searchKeys.isEmpty()) {
            wanted[static_cast<std::size_t>(m)] = locator.searchKeys;
        }
    }
    if (!m_routes.pointer && !m_routes.searchKeys.isEmpty()) {
        wanted[kMetricCount] = m_routes.searchKeys;
    }
    const std::vector<std::optional<TreeSearch::Match>> found = TreeSearch::run(root, wanted, m_routes.pointer);

    for (int m = 0; m < kMetricCount; ++m) {
        const auto metric = static_cast<Metric>(m);
        const Locator& locator = m_metrics[idx(metric)];
        std::optional<QJsonValue> value;
        JsonPointer at;
        if (locator.selector) {
            errors.append(metricKey(metric) % u": the series selector "_s % locator.selector->text()
                % u" applies to Prometheus payloads; this one is JSON (map it with a JSON Pointer)"_s);
            continue;
        }
        if (locator.pointer) {
            at = *locator.pointer;
            value = resolveExplicit(at, root, metricKey(metric), errors);
        } else if (const auto& match = found[idx(metric)]) {
            at = match->at;
            value = match->value;
        }
        if (!value)
            continue;
        // Every metric is a count but the discrepancy, which is negative when more are tracked than checked out.
        double v = metric == Metric::Discrepancy ? readNumber(*value, metricKey(metric), at, errors)
                                                 : readCount(*value, metricKey(metric), at, errors);
        if (metric == Metric::Discrepancy && isPresent(v) && std::abs(v) > 9007199254740992.0) {
            // Beyond any pool; slopes over it would overflow to infinity.
            errors.append(typeError(metricKey(metric), at, u"a number between -2^53 and 2^53"_s, *value));
            v = kAbsent;
        }
        if (isPresent(v)) {
            result.metrics.set(metric, v);
            result.sources[idx(metric)] = at.toString();
        }
    }

    // Routes.
    std::optional<QJsonValue> container;
    JsonPointer containerAt;
    if (m_routes.pointer) {
        containerAt = *m_routes.pointer;
        container = resolveExplicit(containerAt, root, routesKey(), errors);
    } else if (const auto& match = found[kMetricCount]) {
        containerAt = match->at;
        container = match->value;
    }
    if (container)
        readRoutes(*container, containerAt, result, errors);

    if (m_readsQueuePoolStatus && !result.metrics.has(Metric::CheckedOut))
        readQueuePoolStatus(root, result);

    if (const auto& match = found[kMetricCount + 1]) {
        result.holdersReported = true;
        result.holdersSource = match->at.toString();
        HoldersReader::read(match->value, match->at, &result.holders, &errors);
    }

    // Derivations.
    auto derive = [&result](Metric target, double value) {
        if (!result.metrics.has(target) && isPresent(value)) {
            result.metrics.set(target, value);
            result.sources[idx(target)] = derivedSource();
        }
    };
    derive(Metric::CheckedOut, result.metrics[Metric::PoolSize] - result.metrics[Metric::PoolIdle]);
    derive(Metric::Discrepancy, result.metrics[Metric::CheckedOut] - result.metrics[Metric::Tracked]);
    if (errors.isEmpty() && recognisedNothing(result)) {
        const QStringList keys = root.toObject().keys();
        const QString seen = root.isArray()
            ? u"it is an array of "_s % QString::number(root.toArray().size()) % u" items"_s
            : keys.isEmpty() ? u"it has no members"_s
                             : u"its top-level keys are "_s % listSome(keys);
        errors.append(
            u"recognised no pool metric in this payload; "_s % seen % u"; map them with \"fields\" (JSON Pointers)"_s);
    }

    // A payload of the wrong shape can fail every metric: keep the message readable.
    constexpr qsizetype kMaxErrors = 3;
    if (errors.size() > kMaxErrors) {
        const qsizetype more = errors.size() - kMaxErrors;
        errors.resize(kMaxErrors);
        errors.append(u"and "_s % QString::number(more) % (more == 1 ? u" more problem"_s : u" more problems"_s));
    }
    result.error = errors.join(u"; ");
    return result;
}

const QStringList& Profile::poolLabels()
{
    static const QStringList labels { u"pool"_s, u"db_client_connection_pool_name"_s, u"pool_name"_s, u"db_name"_s };
    return labels;
}

ProfileResult Profile::apply(const Exposition& exposition, const QString& pool) const
{
    ProfileResult result;
    QStringList errors;
    QStringList severalPools; // pools seen where one metric has several and the target names none
    auto poolOf = [](const ExpositionSample& sample) {
        for (const QString& label : poolLabels()) {
            const QString value = sample.label(label);
            if (!value.isNull())
                return value;
        }
        return QString();
    };
    // The samples a selector picks, narrowed to the chosen pool.
    auto select = [&](const SeriesSelector& selector) {
        QList<const ExpositionSample*> picked;
        for (const ExpositionSample& sample : exposition.samples) {
            if (selector.matches(sample) && (pool.isEmpty() || poolOf(sample) == pool))
                picked.append(&sample);
        }
        return picked;
    };

    for (int m = 0; m < kMetricCount; ++m) {
        const auto metric = static_cast<Metric>(m);
        const Locator& locator = m_metrics[idx(metric)];
        if (locator.pointer) {
            errors.append(metricKey(metric) % u": the JSON Pointer "_s % locator.pointer->toString()
                % u" applies to JSON payloads; this one is Prometheus text (map it with a series selector)"_s);
            continue;
        }
        QList<const ExpositionSample*> picked;
        QString selectorText;
        if (locator.selector) {
            picked = select(*locator.selector);
            selectorText = locator.selector->text();
        } else {
            for (const SeriesSelector& candidate : locator.wellKnownSeries) {
                picked = select(candidate);
                selectorText = candidate.text();
                if (!picked.isEmpty())
                    break;
            }
        }
        if (picked.isEmpty())
            continue;
        if (picked.size() > 1) {
            QStringList pools;
            for (const ExpositionSample* sample : std::as_const(picked)) {
                const QString p = poolOf(*sample);
                if (!p.isEmpty() && !pools.contains(p))
                    pools.append(p);
            }
            if (pools.size() > 1 && pool.isEmpty()) {
                for (const QString& p : std::as_const(pools)) {
                    if (!severalPools.contains(p))
                        severalPools.append(p);
                }
            } else {
                errors.append(metricKey(metric) % u": "_s % selectorText % u" matches "_s
                    % QString::number(picked.size()) % u" series (line "_s % QString::number(picked[0]->line)
                    % u" and line "_s % QString::number(picked[1]->line) % u"); narrow it with labels"_s);
            }
            continue;
        }
        const ExpositionSample& sample = *picked.front();
        const double v = sample.value;
        const bool count = metric != Metric::Discrepancy;
        const bool valid = std::isfinite(v) && (!count || (v >= 0 && std::floor(v) == v && v <= 9007199254740992.0));
        if (!valid) {
            errors.append(metricKey(metric) % u" at "_s % sample.seriesKey() % u" (line "_s
                % QString::number(sample.line) % u"): expected "_s
                % (count ? u"a count (a whole number, 0 or more)"_s : u"a finite number"_s) % u", got "_s
                % QString::number(v));
            continue;
        }
        result.metrics.set(metric, v);
        result.sources[idx(metric)] = sample.seriesKey();
    }

    if (!severalPools.isEmpty()) {
        severalPools.sort();
        errors.prepend(u"the payload has "_s % QString::number(severalPools.size()) % u" pools ("_s
            % severalPools.join(u", ") % u"): set \"pool\" on the target to choose one (a target per pool)"_s);
    }

    auto derive = [&result](Metric target, double value) {
        if (!result.metrics.has(target) && isPresent(value)) {
            result.metrics.set(target, value);
            result.sources[idx(target)] = derivedSource();
        }
    };
    derive(Metric::CheckedOut, result.metrics[Metric::PoolSize] - result.metrics[Metric::PoolIdle]);
    derive(Metric::PoolSize, result.metrics[Metric::CheckedOut] + result.metrics[Metric::PoolIdle]);
    derive(Metric::Discrepancy, result.metrics[Metric::CheckedOut] - result.metrics[Metric::Tracked]);
    if (errors.isEmpty() && recognisedNothing(result)) {
        const QStringList families = exposition.familyNames();
        errors.append(u"recognised no pool metric in this payload; "_s
            % (families.isEmpty() ? u"it has no metrics"_s : u"its metric families are "_s % listSome(families))
            % u"; map them with \"fields\" (series selectors)"_s);
    }
    result.error = errors.join(u"; ");
    return result;
}

void Profile::readRoutes(
    const QJsonValue& container, const JsonPointer& at, ProfileResult& result, QStringList& errors) const
{
    const bool isObject = container.isObject();
    if (!isObject && !container.isArray()) {
        errors.append(typeError(routesKey(), at, u"an object or an array"_s, container));
        return;
    }
    result.routesSource = at.toString();

    auto readEntry = [&](const QJsonValue& entry, const JsonPointer& entryAt, const QString& keyName) {
        if (!entry.isObject()) {
            errors.append(typeError(routesKey(), entryAt, u"an object"_s, entry));
            return;
        }
        const QJsonObject object = entry.toObject();
        // Locates one field of the entry: explicit relative pointer, or the first direct member present.
        auto locate = [&](RouteField field) -> std::optional<std::pair<QJsonValue, JsonPointer>> {
            const Locator& locator = m_routeFields[idx(field)];
            if (locator.pointer) {
                const JsonPointer full = entryAt + *locator.pointer;
                const JsonPointer::Resolution resolution = locator.pointer->resolve(entry);
                if (!resolution.ok()) {
                    errors.append(
                        routeFieldKey(field) % u" at "_s % describePointer(full) % u": "_s + resolution.error);
                    return std::nullopt;
                }
                if (!resolution.value)
                    return std::nullopt;
                return std::make_pair(*resolution.value, full);
            }
            for (const QString& key : locator.searchKeys) {
                const auto it = object.constFind(key);
                if (it != object.constEnd())
                    return std::make_pair(it.value(), entryAt.child(key));
            }
            return std::nullopt;
        };

        RouteStats route;
        const auto name = locate(RouteField::Name);
        if (name && !name->first.isString()) {
            errors.append(typeError(routeFieldKey(RouteField::Name), name->second, u"a string"_s, name->first));
            return;
        }
        if (name)
            route.name = name->first.toString();
        else if (!keyName.isNull())
            route.name = keyName;
        else {
            errors.append(routesKey() % u" at "_s % describePointer(entryAt) % u": the entry has no name (expected "_s
                % (m_routeFields[idx(RouteField::Name)].pointer
                        ? m_routeFields[idx(RouteField::Name)].pointer->toString()
                        : u"\"name\", \"route\" or \"path\""_s)
                % u")"_s);
            return;
        }
        auto number = [&](RouteField field) {
            const auto located = locate(field);
            return located ? readCount(located->first, routeFieldKey(field), located->second, errors) : kAbsent;
        };
        route.acquired = number(RouteField::Acquired);
        route.released = number(RouteField::Released);
        route.active = number(RouteField::Active);
        route.leaks = number(RouteField::Leaks);
        if (!isPresent(route.active) && isPresent(route.acquired) && isPresent(route.released))
            route.active = route.acquired - route.released;
        result.routes.append(route);
    };

    if (isObject) {
        const QJsonObject object = container.toObject();
        for (auto it = object.constBegin(); it != object.constEnd(); ++it)
            readEntry(it.value(), at.child(it.key()), it.key());
    } else {
        const QJsonArray array = container.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            readEntry(array.at(i), at.child(i), QString());
    }
}

bool isJsonPointerField(const QString& value)
{
    // "database/pool/out" is a JSON Pointer missing its leading '/', not a selector: report it as such.
    if (value.isEmpty() || value.startsWith(u'/'))
        return true;
    return !value.contains(u'{') && !SeriesSelector::parse(value);
}

QStringList validateFields(const QHash<QString, QString>& fields)
{
    QStringList keys = fields.keys();
    std::sort(keys.begin(), keys.end());
    const QStringList known = Profile::fieldKeys();
    QStringList errors;
    for (const QString& key : std::as_const(keys)) {
        if (!known.contains(key)) {
            errors.append(key % u": unknown key (expected one of "_s % known.join(u", ") % u")"_s);
            continue;
        }
        const QString value = fields.value(key);
        if (!isJsonPointerField(value)) {
            QString selectorError;
            if (!metricFromKey(key))
                errors.append(
                    key % u": expected a JSON Pointer (series selectors map only metrics), got \""_s % value % u"\""_s);
            else if (!SeriesSelector::parse(value, &selectorError))
                errors.append(key % u": invalid series selector \""_s % value % u"\": "_s % selectorError);
            continue;
        }
        JsonPointer::SyntaxError syntax;
        if (!JsonPointer::parse(fields.value(key), &syntax))
            errors.append(key % u": invalid JSON Pointer \""_s % fields.value(key) % u"\": "_s % syntax.toString());
    }
    return errors;
}

} // namespace poolscope
