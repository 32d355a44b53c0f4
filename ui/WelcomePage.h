#pragma once

#include <QWidget>

class QLabel;
class QListWidget;
class QListWidgetItem;
class QPushButton;

namespace poolscope {

// What `poolscope` alone opens: the recent workspaces (most recent first; a file that has gone is shown as
// missing and can be removed from the list), "New workspace", "Open workspace…", "Open recording…" and
// "Try the demo". It only asks: the app opens what is asked for and hides this page when a window shows.
class WelcomePage : public QWidget
{
    Q_OBJECT
public:
    explicit WelcomePage(QWidget* parent = nullptr);
    ~WelcomePage() override;

    // Re-reads the recent workspaces (RecentWorkspaces).
    void refreshRecent();
    // The paths listed, most recent first, and whether each file exists.
    QStringList recentPaths() const;
    bool isMissing(int row) const;
    // Asks to open the workspace listed at `row` (a missing one only says so).
    void openRecent(int row);
    // Removes the selected recent workspace from the list (the file is not touched).
    void removeSelectedRecent();

    // A line under the buttons: progress ("Starting the demo…") or, with `error`, what went wrong.
    void showMessage(const QString& text, bool error = false);
    QString message() const;
    // While the demo starts, "Try the demo" is disabled.
    void setDemoStarting(bool starting);

    QListWidget* recentList() const { return m_recent; }
    QPushButton* newButton() const { return m_new; }
    QPushButton* openButton() const { return m_open; }
    QPushButton* recordingButton() const { return m_recording; }
    QPushButton* demoButton() const { return m_demo; }
    QPushButton* removeButton() const { return m_remove; }

Q_SIGNALS:
    void newWorkspaceRequested();
    void openWorkspaceRequested(const QString& path);
    void openRecordingRequested(const QString& path);
    void demoRequested();

private:
    void chooseWorkspace();
    void chooseRecording();

    QListWidget* m_recent;
    QPushButton* m_remove;
    QPushButton* m_new;
    QPushButton* m_open;
    QPushButton* m_recording;
    QPushButton* m_demo;
    QLabel* m_message;
};

} // namespace poolscope
