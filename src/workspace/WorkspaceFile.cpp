#include "WorkspaceFile.h"

#include "profiles/Profile.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QUrl>
#include <QUrlQuery>

#include <libpq-fe.h>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

// A key as the user can read it in a message: control characters (a NUL would end the message) as \uXXXX.
QString printableKey(const QString& key)
{
    QString out;
    for (const QChar c : key) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            out += u"\\u%1"_s.arg(c.unicode(), 4, 16, QChar(u'0'));
        else
            out += c;
    }
    return out;
}

// A libpq parameter that holds a secret: libpq marks them with the display character '*' (password,
// sslpassword); any parameter named like a password counts too.
bool isSecretParameter(const PQconninfoOption& option)
{
    return (option.dispchar && option.dispchar[0] == '*') || QByteArray(option.keyword).contains("password");
}

// The problem with a conninfo (key=value or URI) as libpq itself reads it; empty when there is none.
QString conninfoProblem(const QString& conninfo)
{
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.toUtf8().constData(), &error);
    if (!options) {
        QString reason = error ? QString::fromUtf8(error).trimmed() : u"out of memory"_s;
        PQfreemem(error);
        if (conninfo.contains(u"${env:"_s))
            return {}; // expanded at connect time; libpq says what is wrong then
        return u"not a libpq connection string: "_s + reason;
    }
    QString secret;
    for (PQconninfoOption* o = options; o->keyword; ++o) {
        if (o->val && *o->val && isSecretParameter(*o)) {
            secret = QString::fromUtf8(o->keyword);
            break;
        }
    }
    PQconninfoFree(options);
    if (secret.isEmpty())
        return {};
    return u"holds a password"_s + (secret == u"password"_s ? QString() : u" ("_s + secret + u')')
        + u"; use ~/.pgpass, a service file or PGPASSWORD"_s;
}

// A conninfo without its secret parameters (the same string when it has none).
QString conninfoWithoutSecrets(const QString& conninfo)
{
    PQconninfoOption* options = PQconninfoParse(conninfo.toUtf8().constData(), nullptr);
    if (!options)
        return conninfo.contains(u"password"_s, Qt::CaseInsensitive) || conninfo.contains(u'@') ? QString() : conninfo;
    bool secret = false;
    QStringList kept;
    for (PQconninfoOption* o = options; o->keyword; ++o) {
        if (!o->val)
            continue;
        if (isSecretParameter(*o)) {
            secret = true;
            continue;
        }
        QString value = QString::fromUtf8(o->val);
        value.replace(u'\\', u"\\\\"_s).replace(u'\'', u"\\'"_s);
        kept.append(QString::fromUtf8(o->keyword) + u"='"_s + value + u'\'');
    }
    PQconninfoFree(options);
    return secret ? kept.join(u' ') : conninfo;
}

bool isSecretQueryName(const QString& name)
{
    static const QRegularExpression secret(
        u"pass|pwd|secret|token|key|auth|sig|credential|session"_s, QRegularExpression::CaseInsensitiveOption);
    return secret.match(name).hasMatch();
}

// A URL without user:password@ and without the values of secret-looking query parameters.
QString urlWithoutSecrets(const QString& text)
{
    QUrl url(text);
    if (!url.isValid())
        return text.contains(u'@') ? QString() : text;
    bool changed = false;
    if (!url.userInfo().isEmpty()) {
        url.setUserInfo(QString());
        changed = true;
    }
    if (url.hasQuery()) {
        QUrlQuery query(url);
        QList<QPair<QString, QString>> items = query.queryItems(QUrl::FullyEncoded);
        for (auto& [name, value] : items) {
            if (!value.isEmpty() && isSecretQueryName(name)) {
                value = u""_s; // empty, not null: "token=" stays readable
                changed = true;
            }
        }
        query.setQueryItems(items);
        url.setQuery(query);
    }
    return changed ? url.toString(QUrl::FullyEncoded) : text;
}

QString typeName(const QJsonValue& v)
{
    switch (v.type()) {
    case QJsonValue::Null:
        return u"null"_s;
    case QJsonValue::Bool:
        return u"a boolean"_s;
    case QJsonValue::Double:
        return u"a number"_s;
    case QJsonValue::String:
        return u"a string"_s;
    case QJsonValue::Array:
        return u"an array"_s;
    case QJsonValue::Object:
        return u"an object"_s;
    case QJsonValue::Undefined:
        break;
    }
    return u"nothing"_s;
}

// Reads one JSON object field by field, collecting every problem with its path.
class ObjectReader
{
public:
    ObjectReader(const QJsonObject& object, QString path, QStringList* errors)
        : m_object(object)
        , m_path(std::move(path))
        , m_errors(errors)
    { }

    QString place(const QString& key) const
    {
        const QString shown = printableKey(key);
        return m_path.isEmpty() ? shown : m_path + u'.' + shown;
    }
    void error(const QString& key, const QString& message) const { m_errors->append(place(key) + u": "_s + message); }

    bool has(const QString& key)
    {
        m_known.insert(key);
        return m_object.contains(key);
    }

    QString string(const QString& key, const QString& fallback, bool required = false)
    {
        if (!has(key)) {
            if (required)
                error(key, u"is required"_s);
            return fallback;
        }
        const QJsonValue v = m_object.value(key);
        if (!v.isString()) {
            error(key, u"must be a string, not "_s + typeName(v));
            return fallback;
        }
        return v.toString();
    }

    // A number of seconds converted to milliseconds, within [minSeconds, maxSeconds].
    int seconds(const QString& key, int fallbackMs, double minSeconds, double maxSeconds)
    {
        if (!has(key))
            return fallbackMs;
        const QJsonValue v = m_object.value(key);
        if (!v.isDouble() || !std::isfinite(v.toDouble()) || v.toDouble() < minSeconds || v.toDouble() > maxSeconds) {
            error(key,
                u"must be a number of seconds between %1 and %2, not %3"_s.arg(minSeconds)
                    .arg(maxSeconds)
                    .arg(describe(v)));
            return fallbackMs;
        }
        return static_cast<int>(std::lround(v.toDouble() * 1000.0));
    }

    double number(const QString& key, double fallback, double min, double max)
    {
        if (!has(key))
            return fallback;
        const QJsonValue v = m_object.value(key);
        if (!v.isDouble() || !std::isfinite(v.toDouble()) || v.toDouble() < min || v.toDouble() > max) {
            error(key, u"must be a number between %1 and %2, not %3"_s.arg(min).arg(max).arg(describe(v)));
            return fallback;
        }
        return v.toDouble();
    }

    bool boolean(const QString& key, bool fallback)
    {
        if (!has(key))
            return fallback;
        const QJsonValue v = m_object.value(key);
        if (!v.isBool()) {
            error(key, u"must be true or false, not "_s + describe(v));
            return fallback;
        }
        return v.toBool();
    }

    QHash<QString, QString> stringMap(const QString& key)
    {
        QHash<QString, QString> result;
        if (!has(key))
            return result;
        const QJsonValue v = m_object.value(key);
        if (!v.isObject()) {
            error(key, u"must be an object of strings, not "_s + typeName(v));
            return result;
        }
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (!it.value().isString()) {
                error(key + u'.' + it.key(), u"must be a string, not "_s + typeName(it.value()));
                continue;
            }
            result.insert(it.key(), it.value().toString());
        }
        return result;
    }

    QJsonArray array(const QString& key)
    {
        if (!has(key))
            return {};
        const QJsonValue v = m_object.value(key);
        if (!v.isArray()) {
            error(key, u"must be an array, not "_s + typeName(v));
            return {};
        }
        return v.toArray();
    }

    QJsonObject object(const QString& key)
    {
        if (!has(key))
            return {};
        const QJsonValue v = m_object.value(key);
        if (!v.isObject()) {
            error(key, u"must be an object, not "_s + typeName(v));
            return {};
        }
        return v.toObject();
    }

    // Every key that no reader asked for is a typo until proven otherwise.
    void rejectUnknown() const
    {
        for (auto it = m_object.begin(); it != m_object.end(); ++it) {
            if (!m_known.contains(it.key()))
                error(it.key(), u"unknown field"_s);
        }
    }

    static QString describe(const QJsonValue& v)
    {
        if (v.isDouble())
            return QString::number(v.toDouble());
        if (v.isString())
            return u'"' + v.toString() + u'"';
        return typeName(v);
    }

private:
    QJsonObject m_object;
    QString m_path;
    QStringList* m_errors;
    QSet<QString> m_known;
};

QString indexed(const QString& name, qsizetype i)
{
    return u"%1[%2]"_s.arg(name).arg(i);
}

// A target's "pgbouncer_clients": {"addr": "...", "application_name": "..."}, at least one of them.
PgbouncerClients readPgbouncerClients(ObjectReader& target, QStringList* errors)
{
    PgbouncerClients clients;
    if (!target.has(u"pgbouncer_clients"_s))
        return clients;
    const QString path = target.place(u"pgbouncer_clients"_s);
    ObjectReader r(target.object(u"pgbouncer_clients"_s), path, errors);
    clients.addr = r.string(u"addr"_s, {});
    clients.applicationName = r.string(u"application_name"_s, {});
    r.rejectUnknown();
    if (clients.isEmpty())
        errors->append(path + u": must name the clients by \"addr\", \"application_name\" or both"_s);
    return clients;
}

// The entries of the top-level array `key` (targets, databases, poolers), each an object read by `read` from its
// own reader (place "key[i]"); an entry that is not an object, or that has a field no reader asked for, is an error.
template <typename Config>
QList<Config> readEach(
    ObjectReader& top, const QString& key, Config (*read)(ObjectReader&, QStringList*), QStringList* errors)
{
    QList<Config> configs;
    const QJsonArray array = top.array(key);
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString path = indexed(key, i);
        const QJsonValue value = array.at(i);
        if (!value.isObject()) {
            errors->append(path + u": must be an object, not "_s + typeName(value));
            configs.append(Config {});
            continue;
        }
        ObjectReader r(value.toObject(), path, errors);
        configs.append(read(r, errors));
        r.rejectUnknown();
    }
    return configs;
}

// The top-level object `key` (thresholds, actions, prometheus), when present, read by `read` into *block (which
// holds the defaults); a field no reader asked for is an error.
template <typename Block>
void readBlock(
    ObjectReader& top, const QString& key, Block* block, void (*read)(ObjectReader&, Block*), QStringList* errors)
{
    if (!top.has(key))
        return;
    ObjectReader r(top.object(key), key, errors);
    read(r, block);
    r.rejectUnknown();
}

// A polled entry's "interval" and "timeout". Where validateWorkspace holds the timeout to ten intervals
// (targets, poolers), the default timeout shrinks to fit, so that a short "interval" alone is accepted.
void readPollTimes(ObjectReader& r, int* intervalMs, int* timeoutMs, bool withinTenIntervals)
{
    *intervalMs = r.seconds(u"interval"_s, *intervalMs, 0.1, 3600);
    const int fallbackMs = withinTenIntervals ? std::min(*timeoutMs, *intervalMs * 10) : *timeoutMs;
    *timeoutMs = r.seconds(u"timeout"_s, fallbackMs, 0.1, 300);
}

PoolerConfig readPooler(ObjectReader& r, QStringList*)
{
    PoolerConfig p;
    p.name = r.string(u"name"_s, {}, true);
    p.conninfo = r.string(u"conninfo"_s, {}, true);
    p.database = r.string(u"database"_s, {});
    readPollTimes(r, &p.intervalMs, &p.timeoutMs, true);
    return p;
}

// The admin console's conninfo: libpq must read it, it holds no password, and its dbname is "pgbouncer".
QString poolerConninfoProblem(const QString& conninfo)
{
    if (const QString problem = conninfoProblem(conninfo); !problem.isEmpty())
        return problem;
    PQconninfoOption* options = PQconninfoParse(conninfo.toUtf8().constData(), nullptr);
    if (!options)
        return {}; // holds ${env:}: checked when expanded, at connect time
    QString dbname;
    bool service = false;
    for (PQconninfoOption* o = options; o->keyword; ++o) {
        if (qstrcmp(o->keyword, "dbname") == 0 && o->val)
            dbname = QString::fromUtf8(o->val);
        if (qstrcmp(o->keyword, "service") == 0 && o->val && *o->val)
            service = true;
    }
    PQconninfoFree(options);
    if (dbname != u"pgbouncer"_s && !service && !dbname.contains(u"${env:"_s))
        return u"must connect to pgbouncer's admin console (dbname=pgbouncer), not "_s
            + (dbname.isEmpty() ? u"the default database"_s : u"dbname=%1"_s.arg(dbname));
    return {};
}

// A target's optional holders_url: http(s) like url, and without user:password@ (the headers, with ${env:NAME},
// are sent there as to url).
QStringList holdersUrlProblems(const QString& holdersUrl, const QString& path)
{
    if (holdersUrl.isEmpty())
        return {};
    const QUrl url(holdersUrl, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != u"http"_s && url.scheme() != u"https"_s) || url.host().isEmpty())
        return { path + u".holders_url: \"%1\" is not an http:// or https:// URL"_s.arg(holdersUrl) };
    if (!url.userInfo().isEmpty())
        return { path + u".holders_url: must not hold user:password@; send credentials in headers with ${env:NAME}"_s };
    return {};
}

TargetConfig readTarget(ObjectReader& r, QStringList* errors)
{
    TargetConfig t;
    t.name = r.string(u"name"_s, {}, true);
    t.url = r.string(u"url"_s, {}, true);
    t.holdersUrl = r.string(u"holders_url"_s, {});
    t.profile = r.string(u"profile"_s, t.profile);
    t.fields = r.stringMap(u"fields"_s);
    readPollTimes(r, &t.intervalMs, &t.timeoutMs, true);
    t.maxBodyBytes
        = static_cast<qint64>(r.number(u"max_body_bytes"_s, static_cast<double>(t.maxBodyBytes), 1024, 1 << 30));
    t.headers = r.stringMap(u"headers"_s);
    t.applicationName = r.string(u"application_name"_s, {});
    t.database = r.string(u"database"_s, {});
    t.pool = r.string(u"pool"_s, {});
    t.pgbouncerClients = readPgbouncerClients(r, errors);
    t.service = r.string(u"service"_s, {});
    return t;
}

DatabaseConfig readDatabase(ObjectReader& r, QStringList*)
{
    DatabaseConfig d;
    d.name = r.string(u"name"_s, {}, true);
    d.conninfo = r.string(u"conninfo"_s, {}, true);
    readPollTimes(r, &d.intervalMs, &d.timeoutMs, false);
    return d;
}

void readThresholds(ObjectReader& r, Thresholds* t)
{
    t->discrepancyWarning = r.number(u"discrepancy_warning"_s, t->discrepancyWarning, 0, 1e9);
    t->discrepancyCritical = r.number(u"discrepancy_critical"_s, t->discrepancyCritical, 0, 1e9);
    t->growthWarningPerHour = r.number(u"growth_warning_per_hour"_s, t->growthWarningPerHour, 0, 1e9);
}

// `actions`: the guarded backend actions, each off unless set to true.
void readActions(ObjectReader& r, Actions* actions)
{
    actions->cancel = r.boolean(u"cancel"_s, actions->cancel);
    actions->terminate = r.boolean(u"terminate"_s, actions->terminate);
}

QJsonObject actionsToJson(const Actions& actions)
{
    return QJsonObject { { u"cancel"_s, actions.cancel }, { u"terminate"_s, actions.terminate } };
}

// The workspace's `prometheus` block: where the fleet is read from.
void readPrometheus(ObjectReader& r, PrometheusConfig* p)
{
    p->url = r.string(u"url"_s, {}, true);
    p->token = r.string(u"token"_s, {});
    p->agentToken = r.string(u"agent_token"_s, {});
    p->selector = r.string(u"selector"_s, {});
    p->timeoutMs = r.seconds(u"timeout"_s, p->timeoutMs, 0.5, 300);
}

// Why a PromQL label-matcher list ({env="prod", region=~"eu-.*"}) is not one; empty when it is.
QString selectorProblem(const QString& selector)
{
    static const QRegularExpression matcher(
        uR"re(^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$)re"_s);
    const QString text = selector.trimmed();
    if (!text.startsWith(u'{') || !text.endsWith(u'}'))
        return u"must be label matchers in braces, such as {env=\"prod\"}"_s;
    const QString inner = text.mid(1, text.size() - 2);
    // Split on commas outside quoted values.
    QStringList parts;
    QString current;
    bool quoted = false;
    for (qsizetype i = 0; i < inner.size(); ++i) {
        const QChar c = inner.at(i);
        if (quoted && c == u'\\' && i + 1 < inner.size()) {
            current += c;
            current += inner.at(++i);
            continue;
        }
        if (c == u'"')
            quoted = !quoted;
        if (c == u',' && !quoted) {
            parts.append(current);
            current.clear();
            continue;
        }
        current += c;
    }
    if (quoted)
        return u"has an unterminated quoted value"_s;
    if (!current.trimmed().isEmpty())
        parts.append(current);
    for (const QString& part : std::as_const(parts)) {
        const auto match = matcher.match(part);
        if (!match.hasMatch())
            return u"\"%1\" is not a label matcher (name=\"value\", !=, =~ or !~)"_s.arg(part.trimmed());
        const QString name = match.captured(1);
        if (name == u"__name__"_s || name == u"service"_s || name == u"target"_s)
            return u"must not match on %1 (the window chooses it)"_s.arg(name);
    }
    return {};
}

void validatePrometheus(const PrometheusConfig& p, QStringList* errors)
{
    const QUrl url(p.url, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != u"http"_s && url.scheme() != u"https"_s) || url.host().isEmpty())
        errors->append(u"prometheus.url: \"%1\" is not an http:// or https:// URL"_s.arg(p.url));
    else if (!url.userInfo().isEmpty())
        errors->append(u"prometheus.url: must not hold user:password@; use token with ${env:NAME}"_s);
    static const QRegularExpression envOnly(u"^\\$\\{env:[A-Za-z_][A-Za-z0-9_]*\\}$"_s);
    if (!p.token.isEmpty() && !envOnly.match(p.token).hasMatch())
        errors->append(u"prometheus.token: must be ${env:NAME}, the environment variable that holds the token "
                       "(a token is never written in the workspace)"_s);
    if (!p.agentToken.isEmpty() && !envOnly.match(p.agentToken).hasMatch())
        errors->append(u"prometheus.agent_token: must be ${env:NAME}, the environment variable that holds the "
                       "agents' token (a token is never written in the workspace)"_s);
    if (!p.selector.isEmpty()) {
        if (const QString problem = selectorProblem(p.selector); !problem.isEmpty())
            errors->append(u"prometheus.selector: "_s + problem);
    }
}

QPair<int, int> lineAndColumn(const QByteArray& text, int offset)
{
    int line = 1;
    int column = 1;
    for (int i = 0; i < offset && i < text.size(); ++i) {
        if (text.at(i) == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return { line, column };
}

} // namespace

WorkspaceResult parseWorkspace(const QByteArray& json, const QString& sourceName)
{
    WorkspaceResult result;
    const QString prefix = sourceName.isEmpty() ? QString() : sourceName + u": "_s;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        const auto [line, column] = lineAndColumn(json, parseError.offset);
        result.errors.append(
            prefix + u"invalid JSON at line %1, column %2: %3"_s.arg(line).arg(column).arg(parseError.errorString()));
        return result;
    }
    if (!doc.isObject()) {
        result.errors.append(prefix + u"the workspace must be a JSON object"_s);
        return result;
    }

    QStringList errors;
    Workspace ws;
    ObjectReader top(doc.object(), {}, &errors);
    if (!top.has(u"version"_s)) {
        errors.append(u"version: is required (this PoolScope writes and reads version %1)"_s.arg(Workspace::kVersion));
    } else {
        const QJsonValue v = doc.object().value(u"version"_s);
        if (!v.isDouble() || v.toDouble() != Workspace::kVersion) {
            errors.append(
                u"version: %1 is not supported; this PoolScope reads version %2"_s.arg(ObjectReader::describe(v))
                    .arg(Workspace::kVersion));
        }
    }
    ws.targets = readEach(top, u"targets"_s, &readTarget, &errors);
    ws.databases = readEach(top, u"databases"_s, &readDatabase, &errors);
    ws.poolers = readEach(top, u"poolers"_s, &readPooler, &errors);
    readBlock(top, u"thresholds"_s, &ws.thresholds, &readThresholds, &errors);
    readBlock(top, u"actions"_s, &ws.actions, &readActions, &errors);
    readBlock(top, u"prometheus"_s, &ws.prometheus, &readPrometheus, &errors);
    top.rejectUnknown();

    if (errors.isEmpty())
        errors = validateWorkspace(ws);
    if (errors.isEmpty()) {
        result.workspace = std::move(ws);
    } else {
        for (const auto& e : std::as_const(errors))
            result.errors.append(prefix + e);
    }
    return result;
}

WorkspaceResult loadWorkspace(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        WorkspaceResult result;
        result.errors.append(u"%1: cannot read the workspace: %2"_s.arg(path, file.errorString()));
        return result;
    }
    constexpr qint64 kMaxWorkspaceBytes = 16 * 1024 * 1024;
    if (file.size() > kMaxWorkspaceBytes) {
        WorkspaceResult result;
        result.errors.append(u"%1: the workspace is larger than 16 MiB; is this the right file?"_s.arg(path));
        return result;
    }
    WorkspaceResult result = parseWorkspace(file.readAll(), path);
    if (result.workspace)
        result.workspace->path = QFileInfo(path).absoluteFilePath();
    return result;
}

namespace {

QStringList validatePoolers(Workspace& ws, const QSet<QString>& databaseNames)
{
    QStringList errors;
    QSet<QString> names;
    for (qsizetype i = 0; i < ws.poolers.size(); ++i) {
        auto& p = ws.poolers[i];
        const QString path = indexed(u"poolers"_s, i);
        if (p.name.trimmed().isEmpty())
            errors.append(path + u".name: must not be empty"_s);
        else if (names.contains(p.name))
            errors.append(path + u".name: \"%1\" is used by another pooler"_s.arg(p.name));
        names.insert(p.name);
        if (p.conninfo.trimmed().isEmpty())
            errors.append(path + u".conninfo: must not be empty"_s);
        else if (const QString problem = poolerConninfoProblem(p.conninfo); !problem.isEmpty())
            errors.append(path + u".conninfo: "_s + problem);
        if (p.timeoutMs > p.intervalMs * 10)
            errors.append(path + u".timeout: must not exceed ten intervals"_s);
        if (p.database.isEmpty()) {
            if (ws.databases.size() == 1)
                p.database = ws.databases.first().name;
        } else if (!databaseNames.contains(p.database)) {
            errors.append(path + u".database: no database named \"%1\" in databases[]"_s.arg(p.database));
        }
    }
    for (qsizetype i = 0; i < ws.targets.size(); ++i) {
        if (!ws.targets[i].pgbouncerClients.isEmpty() && ws.poolers.isEmpty())
            errors.append(indexed(u"targets"_s, i) + u".pgbouncer_clients: no pooler in poolers[] to read them from"_s);
    }
    return errors;
}

} // namespace

QStringList validateWorkspace(Workspace& ws)
{
    QStringList errors;
    if (ws.targets.isEmpty() && ws.databases.isEmpty() && !ws.prometheus.enabled())
        errors.append(u"targets: a workspace needs at least one target, database or prometheus entry"_s);
    if (ws.prometheus.enabled())
        validatePrometheus(ws.prometheus, &errors);

    QSet<QString> databaseNames;
    for (qsizetype i = 0; i < ws.databases.size(); ++i) {
        auto& d = ws.databases[i];
        const QString path = indexed(u"databases"_s, i);
        if (d.name.trimmed().isEmpty())
            errors.append(path + u".name: must not be empty"_s);
        else if (databaseNames.contains(d.name))
            errors.append(path + u".name: \"%1\" is used by another database"_s.arg(d.name));
        databaseNames.insert(d.name);
        if (d.conninfo.trimmed().isEmpty()) {
            errors.append(path + u".conninfo: must not be empty"_s);
        } else if (const QString problem = conninfoProblem(d.conninfo); !problem.isEmpty()) {
            errors.append(path + u".conninfo: "_s + problem);
        }
    }

    QSet<QString> targetNames;
    for (qsizetype i = 0; i < ws.targets.size(); ++i) {
        auto& t = ws.targets[i];
        const QString path = indexed(u"targets"_s, i);
        if (t.name.trimmed().isEmpty())
            errors.append(path + u".name: must not be empty"_s);
        else if (targetNames.contains(t.name))
            errors.append(path + u".name: \"%1\" is used by another target"_s.arg(t.name));
        targetNames.insert(t.name);

        const QUrl url(t.url, QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != u"http"_s && url.scheme() != u"https"_s) || url.host().isEmpty())
            errors.append(path + u".url: \"%1\" is not an http:// or https:// URL"_s.arg(t.url));
        errors += holdersUrlProblems(t.holdersUrl, path);

        if (!Profile::builtinNames().contains(t.profile))
            errors.append(path
                + u".profile: unknown profile \"%1\" (known: %2)"_s.arg(
                    t.profile, Profile::builtinNames().join(u", "_s)));
        for (const auto& e : validateFields(t.fields))
            errors.append(path + u".fields."_s + e);
        if (t.timeoutMs > t.intervalMs * 10)
            errors.append(path + u".timeout: must not exceed ten intervals"_s);

        if (t.applicationName.isEmpty())
            t.applicationName = t.name;
        if (t.database.isEmpty()) {
            if (ws.databases.size() == 1)
                t.database = ws.databases.first().name;
        } else if (!databaseNames.contains(t.database)) {
            errors.append(path + u".database: no database named \"%1\" in databases[]"_s.arg(t.database));
        }
    }

    errors += validatePoolers(ws, databaseNames);

    if (ws.thresholds.discrepancyCritical < ws.thresholds.discrepancyWarning)
        errors.append(u"thresholds.discrepancy_critical: must not be below discrepancy_warning"_s);
    return errors;
}

QByteArray workspaceToJson(const Workspace& ws)
{
    auto stringMap = [](const QHash<QString, QString>& map) {
        QJsonObject o;
        for (auto it = map.begin(); it != map.end(); ++it)
            o.insert(it.key(), it.value());
        return o;
    };
    QJsonArray targets;
    for (const auto& t : ws.targets) {
        QJsonObject o { { u"name"_s, t.name }, { u"url"_s, t.url }, { u"profile"_s, t.profile },
            { u"interval"_s, t.intervalMs / 1000.0 }, { u"timeout"_s, t.timeoutMs / 1000.0 },
            { u"max_body_bytes"_s, static_cast<double>(t.maxBodyBytes) },
            { u"application_name"_s, t.applicationName } };
        if (!t.fields.isEmpty())
            o.insert(u"fields"_s, stringMap(t.fields));
        if (!t.headers.isEmpty())
            o.insert(u"headers"_s, stringMap(t.headers));
        if (!t.database.isEmpty())
            o.insert(u"database"_s, t.database);
        if (!t.pool.isEmpty())
            o.insert(u"pool"_s, t.pool);
        if (!t.pgbouncerClients.isEmpty()) {
            QJsonObject clients;
            if (!t.pgbouncerClients.addr.isEmpty())
                clients.insert(u"addr"_s, t.pgbouncerClients.addr);
            if (!t.pgbouncerClients.applicationName.isEmpty())
                clients.insert(u"application_name"_s, t.pgbouncerClients.applicationName);
            o.insert(u"pgbouncer_clients"_s, clients);
        }
        if (!t.service.isEmpty())
            o.insert(u"service"_s, t.service);
        if (!t.holdersUrl.isEmpty())
            o.insert(u"holders_url"_s, t.holdersUrl);
        targets.append(o);
    }
    QJsonArray databases;
    for (const auto& d : ws.databases) {
        databases.append(QJsonObject { { u"name"_s, d.name }, { u"conninfo"_s, d.conninfo },
            { u"interval"_s, d.intervalMs / 1000.0 }, { u"timeout"_s, d.timeoutMs / 1000.0 } });
    }
    const QJsonObject thresholds { { u"discrepancy_warning"_s, ws.thresholds.discrepancyWarning },
        { u"discrepancy_critical"_s, ws.thresholds.discrepancyCritical },
        { u"growth_warning_per_hour"_s, ws.thresholds.growthWarningPerHour } };
    QJsonObject root { { u"version"_s, Workspace::kVersion }, { u"targets"_s, targets }, { u"databases"_s, databases },
        { u"thresholds"_s, thresholds }, { u"actions"_s, actionsToJson(ws.actions) } };
    if (!ws.poolers.isEmpty()) {
        QJsonArray poolers;
        for (const auto& p : ws.poolers) {
            QJsonObject o { { u"name"_s, p.name }, { u"conninfo"_s, p.conninfo },
                { u"interval"_s, p.intervalMs / 1000.0 }, { u"timeout"_s, p.timeoutMs / 1000.0 } };
            if (!p.database.isEmpty())
                o.insert(u"database"_s, p.database);
            poolers.append(o);
        }
        root.insert(u"poolers"_s, poolers);
    }
    if (ws.prometheus.enabled()) {
        QJsonObject prometheus { { u"url"_s, ws.prometheus.url }, { u"timeout"_s, ws.prometheus.timeoutMs / 1000.0 } };
        if (!ws.prometheus.token.isEmpty())
            prometheus.insert(u"token"_s, ws.prometheus.token);
        if (!ws.prometheus.agentToken.isEmpty())
            prometheus.insert(u"agent_token"_s, ws.prometheus.agentToken);
        if (!ws.prometheus.selector.isEmpty())
            prometheus.insert(u"selector"_s, ws.prometheus.selector);
        root.insert(u"prometheus"_s, prometheus);
    }
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

Workspace withoutSecrets(Workspace workspace)
{
    for (TargetConfig& t : workspace.targets) {
        t.url = urlWithoutSecrets(t.url);
        t.holdersUrl = urlWithoutSecrets(t.holdersUrl);
        for (auto it = t.headers.begin(); it != t.headers.end(); ++it)
            it.value().clear();
    }
    for (DatabaseConfig& d : workspace.databases)
        d.conninfo = conninfoWithoutSecrets(d.conninfo);
    for (PoolerConfig& p : workspace.poolers)
        p.conninfo = conninfoWithoutSecrets(p.conninfo);
    workspace.prometheus.url = urlWithoutSecrets(workspace.prometheus.url); // the token is a ${env:} reference
    return workspace;
}

namespace {

const QRegularExpression& envReference()
{
    static const QRegularExpression pattern(u"\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)\\}"_s);
    return pattern;
}

bool isSecretHeaderName(const QString& name)
{
    return isSecretQueryName(name) || name.compare(u"cookie"_s, Qt::CaseInsensitive) == 0;
}

// A header value that holds nothing secret by itself: empty, or ${env:NAME} references with at most an auth
// scheme word around them ("Bearer ${env:TOKEN}").
bool onlyEnvReferences(const QString& value)
{
    if (value.trimmed().isEmpty())
        return true;
    QString rest = value;
    const qsizetype before = rest.size();
    rest.remove(envReference());
    if (rest.size() == before)
        return false;
    static const QRegularExpression scheme(u"^\\s*[A-Za-z-]{0,16}\\s*$"_s);
    return scheme.match(rest).hasMatch();
}

} // namespace

QStringList literalSecrets(const Workspace& workspace)
{
    QStringList problems;
    for (qsizetype i = 0; i < workspace.targets.size(); ++i) {
        const TargetConfig& t = workspace.targets.at(i);
        const QString path = indexed(u"targets"_s, i);
        const QUrl url(t.url);
        if (!url.password().isEmpty())
            problems.append(path + u".url: holds a password (user:password@); the file must not"_s);
        if (url.hasQuery()) {
            const QUrlQuery query(url);
            for (const auto& [name, value] : query.queryItems()) {
                if (!value.isEmpty() && isSecretQueryName(name))
                    problems.append(path + u".url: the query parameter \"%1\" looks like a secret"_s.arg(name));
            }
        }
        QStringList names = t.headers.keys();
        names.sort();
        for (const QString& name : std::as_const(names)) {
            if (isSecretHeaderName(name) && !onlyEnvReferences(t.headers.value(name)))
                problems.append(path + u".headers."_s + printableKey(name)
                    + u": holds a literal secret; write ${env:NAME} and set NAME in the environment"_s);
        }
    }
    for (qsizetype i = 0; i < workspace.databases.size(); ++i) {
        if (const QString problem = conninfoProblem(workspace.databases.at(i).conninfo); !problem.isEmpty())
            problems.append(indexed(u"databases"_s, i) + u".conninfo: "_s + problem);
    }
    return problems;
}

QString expandEnv(const QString& text, QStringList* unsetNames)
{
    QString result;
    qsizetype last = 0;
    auto it = envReference().globalMatch(text);
    while (it.hasNext()) {
        const auto match = it.next();
        result += QStringView(text).mid(last, match.capturedStart() - last);
        const QString name = match.captured(1);
        const QByteArray value = qgetenv(name.toLocal8Bit().constData());
        if (value.isNull() && unsetNames)
            unsetNames->append(name);
        result += QString::fromLocal8Bit(value);
        last = match.capturedEnd();
    }
    result += QStringView(text).mid(last);
    return result;
}

} // namespace poolscope
