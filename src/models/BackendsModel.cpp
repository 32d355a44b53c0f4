#include "BackendsModel.h"

#include "Format.h"
#include "analysis/QueryFingerprint.h"
#include "store/Session.h"
#include "store/ViewState.h"

#include <QHash>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
qint64 age(qint64 now, qint64 since)
{
    if (since == kNoTime || now == kNoTime)
        return kNoTime;
    return now - since;
}
} // namespace

BackendsModel::BackendsModel(Session* session, ViewState* view, QObject* parent)
    : TableModel(NumColumns, parent)
    , m_session(session)
    , m_view(view)
{
    if (!session)
        return;
    m_serverTime.assign(static_cast<std::size_t>(session->databaseCount()), kNoTime);
    connect(session, &Session::snapshotAdded, this, &BackendsModel::updateDatabase);
    connect(session, &Session::poolerSnapshotAdded, this, &BackendsModel::onPoolerSnapshot);
    if (view) {
        connect(view, &ViewState::cursorChanged, this, &BackendsModel::updateAll);
        connect(view, &ViewState::redactedChanged, this, &BackendsModel::onRedactedChanged);
    }
    for (int db = 0; db < session->databaseCount(); ++db)
        updateDatabase(db);
}

BackendsModel::~BackendsModel() = default;

BackendsModelKey BackendsModel::keyOf(const Row& row) const
{
    return { row.database, { row.backend.pid, row.backend.backendStartMs } };
}

const Backend& BackendsModel::backendAt(int row) const
{
    return rowAt(row).backend;
}

QString BackendsModel::databaseAt(int row) const
{
    const int db = rowAt(row).database;
    return m_session ? m_session->database(db).config.name : QString();
}

QString BackendsModel::withheldHint()
{
    return u"grant pg_monitor to the monitoring role to see these rows"_s;
}

BackendsModel::Mark BackendsModel::mark(const Backend& backend, qint64 nowMs)
{
    if (backend.withheld)
        return Mark::Withheld;
    if (backend.state.startsWith(u"idle in transaction")) {
        const qint64 xact = age(nowMs, backend.xactStartMs);
        return xact != kNoTime && xact > kLongTransactionMs ? Mark::LongIdleInTransaction : Mark::IdleInTransaction;
    }
    if (backend.state == u"idle") {
        const qint64 idle = age(nowMs, backend.stateChangeMs);
        if (idle != kNoTime && idle > kLongIdleMs)
            return Mark::LongIdle;
    }
    return Mark::None;
}

QString BackendsModel::numberToolTip(const Row& row, int column) const
{
    // What each number is and where it came from: a column of pg_stat_activity, read at the snapshot's time.
    const Backend& b = row.backend;
    const QString read = u"pg_stat_activity, read at %1"_s.arg(formatClock(nowOf(row)));
    const auto since = [&](const char* what, const char* columnName, qint64 t) {
        if (t == kNoTime)
            return u"%1: none (%2 is null in %3)"_s.arg(QString::fromUtf8(what), QString::fromUtf8(columnName), read);
        return u"%1: since %2 (%3 in %4)"_s.arg(
            QString::fromUtf8(what), formatClock(t), QString::fromUtf8(columnName), read);
    };
    switch (column) {
    case Pid:
        return u"Process ID of the backend on the server (pid in %1)"_s.arg(read);
    case BackendAge:
        return since("Connection age", "backend_start", b.backendStartMs);
    case TransactionAge:
        return since("Transaction age", "xact_start", b.xactStartMs);
    case QueryAge:
        return since("Query age", "query_start", b.queryStartMs);
    case InState:
        return since("In this state", "state_change", b.stateChangeMs);
    default:
        return {};
    }
}

qint64 BackendsModel::nowOf(const Row& row) const
{
    return m_serverTime[static_cast<std::size_t>(row.database)];
}

QVariant BackendsModel::displayData(const Row& row, int column) const
{
    const Backend& b = row.backend;
    const qint64 now = nowOf(row);
    switch (column) {
    case Pid:
        return QString::number(b.pid);
    case Database:
        return m_session ? m_session->database(row.database).config.name : QString();
    case User:
        return b.usename;
    case Application:
        return b.applicationName;
    case Client:
        return clientText(b);
    case BehindClient:
        return behindText(row.behind);
    case BehindApplication:
        return row.behind.applicationName;
    case BehindSince:
        return row.behind.sinceMs == kNoTime ? QString() : formatDurationMs(age(now, row.behind.sinceMs));
    case State:
        if (b.withheld)
            return u"withheld (insufficient privilege)"_s;
        return b.state.isEmpty() ? unknownText() : b.state;
    case BackendAge:
        return formatDurationMs(age(now, b.backendStartMs));
    case TransactionAge:
        return b.xactStartMs == kNoTime ? QString() : formatDurationMs(age(now, b.xactStartMs));
    case QueryAge:
        return b.queryStartMs == kNoTime ? QString() : formatDurationMs(age(now, b.queryStartMs));
    case InState:
        return b.stateChangeMs == kNoTime ? QString() : formatDurationMs(age(now, b.stateChangeMs));
    case Wait:
        if (b.waitEventType.isEmpty())
            return b.waitEvent;
        return b.waitEvent.isEmpty() ? b.waitEventType : b.waitEventType + u": " + b.waitEvent;
    case Query:
        return singleLine(queryText(b));
    }
    return {};
}

QVariant BackendsModel::sortData(const Row& row, int column) const
{
    const Backend& b = row.backend;
    const qint64 now = nowOf(row);
    const auto ms = [](qint64 v) { return v == kNoTime ? qint64(-1) : v; };
    switch (column) {
    case Pid:
        return b.pid;
    case BackendAge:
        return ms(age(now, b.backendStartMs));
    case TransactionAge:
        return ms(age(now, b.xactStartMs));
    case QueryAge:
        return ms(age(now, b.queryStartMs));
    case InState:
        return ms(age(now, b.stateChangeMs));
    case BehindSince:
        return ms(age(now, row.behind.sinceMs));
    default:
        return displayData(row, column);
    }
}

QVariant BackendsModel::cell(const Row& row, int column, int role) const
{
    switch (role) {
    case Qt::DisplayRole:
        return displayData(row, column);
    case SortRole:
        return sortData(row, column);
    case MarkRole:
        return static_cast<int>(mark(row.backend, nowOf(row)));
    case PidRole:
        return row.backend.pid;
    case Qt::TextAlignmentRole:
        if (column == Pid || column == BehindSince || (column >= BackendAge && column <= InState))
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (row.backend.withheld)
            return withheldHint();
        if (column == Query)
            return queryText(row.backend);
        if (column == Client)
            return clientText(row.backend);
        if ((column == BehindClient || column == BehindApplication || column == BehindSince)
            && !row.behind.addr.isEmpty()) {
            QString tip
                = u"Held now through pgbouncer %1 by client %2"_s.arg(row.behind.pooler, behindText(row.behind));
            if (!row.behind.applicationName.isEmpty())
                tip += u" ("_s + row.behind.applicationName + u')';
            if (!row.behind.poolMode.isEmpty())
                tip += u"\n"_s + poolModeExplanation(row.behind.poolMode);
            return tip;
        }
        if (const QString tip = numberToolTip(row, column); !tip.isEmpty())
            return tip;
        if (column == State) {
            switch (mark(row.backend, nowOf(row))) {
            case Mark::LongIdleInTransaction:
                return u"Idle in transaction for more than a minute: holds a connection and its locks"_s;
            case Mark::IdleInTransaction:
                return u"Idle in transaction: holds a connection and its locks"_s;
            case Mark::LongIdle:
                return u"Idle for more than 5 minutes"_s;
            default:
                break;
            }
        }
        return {};
    }
    return {};
}

QVariant BackendsModel::header(int section, int role) const
{
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Pid:
            return u"PID"_s;
        case Database:
            return u"Database"_s;
        case User:
            return u"User"_s;
        case Application:
            return u"Application"_s;
        case Client:
            return u"Client"_s;
        case BehindClient:
            return u"Client behind"_s;
        case BehindApplication:
            return u"Client application"_s;
        case BehindSince:
            return u"Held for"_s;
        case State:
            return u"State"_s;
        case BackendAge:
            return u"Backend age"_s;
        case TransactionAge:
            return u"Xact age"_s;
        case QueryAge:
            return u"Query age"_s;
        case InState:
            return u"In state"_s;
        case Wait:
            return u"Wait"_s;
        case Query:
            return u"Query"_s;
        }
    } else if (role == Qt::ToolTipRole) {
        switch (section) {
        case BackendAge:
            return u"Time since the backend (connection) started"_s;
        case TransactionAge:
            return u"Transaction age: time since the current transaction began"_s;
        case QueryAge:
            return u"Time since the current or last query started"_s;
        case InState:
            return u"Time since the state last changed"_s;
        case Wait:
            return u"Wait event type: wait event"_s;
        case Client:
            return u"Client address:port, or local for a Unix socket"_s;
        case BehindClient:
            return u"Behind pgbouncer: the address:port of the pgbouncer client holding this backend now"_s;
        case BehindApplication:
            return u"Behind pgbouncer: the application_name of the client holding this backend now"_s;
        case BehindSince:
            return u"Behind pgbouncer: how long the client has held this backend (since it connected in session "
                   u"pooling, since its transaction began in transaction pooling)"_s;
        }
    }
    return {};
}

QHash<int, QByteArray> BackendsModel::roleNames() const
{
    auto names = QAbstractTableModel::roleNames();
    names.insert(SortRole, "sort");
    names.insert(MarkRole, "mark");
    names.insert(PidRole, "pid");
    return names;
}

void BackendsModel::setApplicationFilter(const QString& applicationName)
{
    if (applicationName == m_applicationFilter)
        return;
    m_applicationFilter = applicationName;
    updateAll();
}

bool BackendsModel::isRedacted() const
{
    return m_view && m_view->isRedacted();
}

QString BackendsModel::queryText(const Backend& backend) const
{
    return isRedacted() ? fingerprintQuery(backend.query) : backend.query;
}

QString BackendsModel::clientText(const Backend& backend) const
{
    if (!isRedacted())
        return formatClient(backend);
    Backend masked = backend;
    masked.clientAddr = redactClientAddress(backend.clientAddr);
    return formatClient(masked);
}

QString BackendsModel::behindText(const ClientBehind& behind) const
{
    if (behind.addr.isEmpty() || !isRedacted())
        return behind.address();
    ClientBehind masked = behind;
    masked.addr = redactClientAddress(behind.addr);
    return masked.address();
}

void BackendsModel::onPoolerSnapshot(int poolerIndex)
{
    if (!m_session || poolerIndex < 0 || poolerIndex >= m_session->poolerCount())
        return;
    updateDatabase(m_session->databaseIndex(m_session->pooler(poolerIndex).config.database));
}

void BackendsModel::updateAll()
{
    if (!m_session)
        return;
    for (int db = 0; db < m_session->databaseCount(); ++db)
        updateDatabase(db);
}

void BackendsModel::onRedactedChanged()
{
    allRowsChanged();
}

void BackendsModel::updateDatabase(int databaseIndex)
{
    if (!m_session || databaseIndex < 0 || databaseIndex >= m_session->databaseCount())
        return;
    // What the views show: the newest read when live, the read at the time cursor otherwise.
    const qint64 cursor = m_view ? m_view->cursor() : ViewState::kLive;
    const ActivitySnapshot snapshot = m_session->snapshotAt(databaseIndex, cursor);
    const QHash<int, ClientBehind> behind = clientsBehind(
        snapshot, m_session->poolerSnapshotsFor(m_session->database(databaseIndex).config.name, cursor));
    const qint64 now = snapshot.serverTimeMs != kNoTime ? snapshot.serverTimeMs : snapshot.timestampMs;
    const bool nowChanged = std::exchange(m_serverTime[static_cast<std::size_t>(databaseIndex)], now) != now;

    std::vector<Row> fresh;
    fresh.reserve(static_cast<std::size_t>(snapshot.backends.size()));
    for (const Backend& b : snapshot.backends) {
        if (m_applicationFilter.isEmpty() || b.applicationName == m_applicationFilter)
            fresh.push_back(Row { databaseIndex, b, behind.value(b.pid) });
    }

    // This database's block of rows; rows that stay keep their place, new ones go to its end.
    const auto& all = rows();
    const auto blockBegin
        = std::find_if(all.begin(), all.end(), [databaseIndex](const Row& r) { return r.database >= databaseIndex; });
    const auto blockEnd
        = std::find_if(blockBegin, all.end(), [databaseIndex](const Row& r) { return r.database != databaseIndex; });
    updateBlock(static_cast<int>(blockBegin - all.begin()), static_cast<int>(blockEnd - blockBegin), std::move(fresh),
        Order::Keep, nowChanged);
}

} // namespace poolscope
