#pragma once

#include "analysis/BackendTracker.h"
#include "types/ActivitySnapshot.h"
#include "types/Sample.h"

#include <QWidget>

class QLabel;
class QTextBrowser;

namespace poolscope {

// Everything about one backend: every pg_stat_activity column, the full query text (selectable), its
// ages (backend, transaction, query, state) and its history as PoolScope saw it (time, state, query
// fingerprint), so one can tell how long it has been in its state across the polls seen.
class BackendDetailPane : public QWidget
{
    Q_OBJECT
public:
    explicit BackendDetailPane(QWidget* parent = nullptr);
    ~BackendDetailPane() override;

    // `tracked` may be null (PoolScope has not followed it); `redacted`: query fingerprint only and
    // client address masked.
    // `holder`: the app's own report of who holds this backend (the holders contract), null when none.
    void showBackend(const Backend& backend, const QString& database, qint64 serverNowMs,
        const QList<BackendTransition>& history, const TrackedBackend* tracked, bool redacted,
        const Holder* holder = nullptr);
    void clear();

    int pid() const { return m_pid; }
    // The pane's text (plain), for tests and copying.
    QString plainText() const;
    QTextBrowser* browser() const { return m_browser; }

    static QString html(const Backend& backend, const QString& database, qint64 serverNowMs,
        const QList<BackendTransition>& history, const TrackedBackend* tracked, const Holder* holder = nullptr);

private:
    QTextBrowser* m_browser = nullptr;
    int m_pid = 0;
    QString m_html;
};

} // namespace poolscope
