#pragma once

#include "analysis/PoolerJoin.h"
#include "types/ActivitySnapshot.h"

#include "TableModel.h"

#include <QPointer>

namespace poolscope {

class Session;
class ViewState;

// A row of BackendsModel: a backend and the database (Session index) it was read from.
struct BackendsModelRow
{
    int database = 0;
    Backend backend;
    ClientBehind behind; // the pgbouncer client holding it now; empty addr when none
    friend bool operator==(const BackendsModelRow&, const BackendsModelRow&) = default;
};
// database, (pid, backend_start)
using BackendsModelKey = std::pair<int, std::pair<int, qint64>>;

// The backends of every database of a Session as the views show them (Session::snapshotAt the ViewState's cursor: the
// newest successful read when live, the read at the time cursor otherwise; cursorChanged re-diffs),
// one row per backend. Rows are grouped by database (workspace order) and keyed by
// (database, pid, backend_start). A backend served by pgbouncer (a poolers[] entry of its database) shows the
// client behind it now (PoolerJoin), refreshed with each pooler read. Each snapshot is diffed against the rows:
// vanished rows are removed and new rows inserted as ranges, and the surviving rows get ONE ranged dataChanged, so
// views (and sorting proxies over them) keep their selection and scroll position (TableModel).
class BackendsModel : public TableModel<BackendsModelRow, BackendsModelKey>
{
    Q_OBJECT
public:
    enum Column {
        Pid,
        Database,
        User,
        Application,
        Client,
        BehindClient, // behind pgbouncer: the client holding the backend now (address:port)
        BehindApplication, // ... its application_name
        BehindSince, // ... how long it has held it
        State,
        BackendAge,
        TransactionAge,
        QueryAge,
        InState,
        Wait,
        Query,
        NumColumns
    };
    Q_ENUM(Column)

    enum Role {
        // Raw value for sorting: ages in ms (-1 when unknown), the pid as int, other columns their text.
        SortRole = Qt::UserRole + 1,
        // The row's Mark as an int (any column); views map it to a background.
        MarkRole,
        // The backend's pid (any column).
        PidRole,
    };
    Q_ENUM(Role)

    enum class Mark {
        None,
        LongIdle, // "idle" for longer than kLongIdleMs
        IdleInTransaction, // "idle in transaction" (or aborted)
        LongIdleInTransaction, // ... with a transaction older than kLongTransactionMs
        Withheld, // the monitoring role may not see the row's details
    };
    Q_ENUM(Mark)

    static constexpr qint64 kLongIdleMs = 5 * 60 * 1000;
    static constexpr qint64 kLongTransactionMs = 60 * 1000;

    // view: the cursor and redaction to show (null: live, not redacted).
    explicit BackendsModel(Session* session, ViewState* view = nullptr, QObject* parent = nullptr);
    ~BackendsModel() override;

    QHash<int, QByteArray> roleNames() const override;

    // Shows only backends whose application_name equals `applicationName`; empty shows all.
    void setApplicationFilter(const QString& applicationName);
    QString applicationFilter() const { return m_applicationFilter; }

    const Backend& backendAt(int row) const;
    QString databaseAt(int row) const;

    // With ViewState::isRedacted(), the query column (and its tooltip) shows fingerprintQuery() and the
    // client column redactClientAddress(); these give the text shown for a backend.
    QString queryText(const Backend& backend) const;
    QString clientText(const Backend& backend) const;
    QString behindText(const ClientBehind& behind) const;

    static Mark mark(const Backend& backend, qint64 nowMs);
    static QString withheldHint();

private:
    using Row = BackendsModelRow;

    BackendsModelKey keyOf(const Row& row) const override;
    QVariant cell(const Row& row, int column, int role) const override;
    QVariant header(int column, int role) const override;
    void updateDatabase(int databaseIndex);
    void onPoolerSnapshot(int poolerIndex);
    void updateAll();
    void onRedactedChanged();
    bool isRedacted() const;
    qint64 nowOf(const Row& row) const;
    QString numberToolTip(const Row& row, int column) const;
    QVariant displayData(const Row& row, int column) const;
    QVariant sortData(const Row& row, int column) const;

    QPointer<Session> m_session;
    QPointer<ViewState> m_view;
    std::vector<qint64> m_serverTime; // per database: the time ages are measured against
    QString m_applicationFilter;
};

} // namespace poolscope
