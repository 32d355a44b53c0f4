#pragma once

#include <QPointer>
#include <QWidget>

class QTextBrowser;
class QHeaderView;
class QTimer;
class QTreeView;

namespace poolscope {

class Session;
class SessionAtCursor;
class TargetsModel;
class TargetsProxyModel;

// The left pane: the targets (state and newest numbers, or those at the time cursor) and, below, the selected
// target's and the databases' details. Emits targetChanged when the selection moves.
class TargetsPane : public QWidget
{
    Q_OBJECT
public:
    explicit TargetsPane(Session* session, QWidget* parent = nullptr);
    ~TargetsPane() override;

    // The list and the details show the targets and databases at the cursor (live: the newest); null: the newest.
    void followCursor(SessionAtCursor* cursor);

    void selectTarget(int targetIndex);
    int selectedTarget() const; // -1 when none
    QTreeView* view() const { return m_view; }
    TargetsModel* model() const { return m_model; }
    // The details' HTML (target URL, state, pool, totals; each database's state).
    QString detailsText() const;
    // Rebuilds the details now instead of at the next coalesced tick.
    void refresh();

    // A context menu on a header to show or hide its columns (shared with the backends table).
    static void installColumnMenu(QHeaderView* header);

Q_SIGNALS:
    void targetChanged(int targetIndex);

private:
    void schedule();
    void fitColumns(); // the columns but Name to their contents

    QPointer<Session> m_session;
    QPointer<SessionAtCursor> m_cursor;
    TargetsModel* m_model = nullptr;
    TargetsProxyModel* m_proxy = nullptr;
    QTreeView* m_view = nullptr;
    // A text box, not a word-wrapped rich-text QLabel: a label whose text changes lays the whole window out
    // again (the splitter asks every word-wrapped label for its height at each width), four times a second.
    QTextBrowser* m_details = nullptr;
    QString m_detailsHtml; // what m_details shows
    QTimer* m_timer = nullptr;
    bool m_columnsDirty = true; // the rows changed since the columns were last fitted
};

} // namespace poolscope
