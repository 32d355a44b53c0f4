#include "WelcomePage.h"

#include "Theme.h"
#include "workspace/RecentWorkspaces.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

constexpr int kPathRole = Qt::UserRole;
constexpr int kMissingRole = Qt::UserRole + 1;

QPushButton* bigButton(const QString& text, const QString& detail, const QString& name, QWidget* parent)
{
    auto* button = new QPushButton(text, parent);
    button->setObjectName(name);
    button->setToolTip(detail);
    button->setMinimumHeight(40);
    button->setStyleSheet(u"QPushButton { text-align: left; padding: 6px 14px; font-size: 11pt; }"_s);
    return button;
}

} // namespace

WelcomePage::WelcomePage(QWidget* parent)
    : QWidget(parent)
    , m_recent(new QListWidget(this))
    , m_remove(new QPushButton(u"&Remove from list"_s, this))
    , m_new(bigButton(
          u"&New workspace…"_s, u"Add targets and databases, test them, and start watching"_s, u"WelcomeNew"_s, this))
    , m_open(bigButton(
          u"&Open workspace…"_s, u"A workspace file (JSON) written by PoolScope or by hand"_s, u"WelcomeOpen"_s, this))
    , m_recording(bigButton(u"Open &recording…"_s, u"Review a recorded session: timeline, backends, suspects"_s,
          u"WelcomeRecording"_s, this))
    , m_demo(bigButton(u"Try the &demo"_s,
          u"A throwaway PostgreSQL and four services, one of which can leak connections"_s, u"WelcomeDemo"_s, this))
    , m_message(new QLabel(this))
{
    setWindowTitle(u"PoolScope"_s);
    setWindowIcon(Theme::appIcon());
    setAccessibleName(u"PoolScope welcome"_s);
    resize(860, 520);

    auto* title = new QLabel(u"<span style=\"font-size: 20pt; font-weight: 600;\">PoolScope</span><br>"
                             u"Is the pool leaking, or is it baseline overhead, and who holds the connections?"_s,
        this);
    title->setWordWrap(true);
    auto* icon = new QLabel(this);
    icon->setPixmap(Theme::appIcon().pixmap(64, 64));
    auto* header = new QHBoxLayout;
    header->addWidget(icon);
    header->addWidget(title, 1);

    m_recent->setObjectName(u"RecentWorkspaces"_s);
    m_recent->setAccessibleName(u"Recent workspaces"_s);
    m_recent->setAlternatingRowColors(true);
    m_recent->setWordWrap(true);
    m_recent->setSpacing(2);
    m_remove->setObjectName(u"WelcomeRemoveRecent"_s);
    m_remove->setToolTip(u"Forget the selected workspace (the file is not touched)"_s);
    m_remove->setEnabled(false);
    auto* recentBox = new QVBoxLayout;
    recentBox->addWidget(new QLabel(u"<b>Recent workspaces</b>"_s, this));
    recentBox->addWidget(m_recent, 1);
    auto* removeRow = new QHBoxLayout;
    removeRow->addStretch(1);
    removeRow->addWidget(m_remove);
    recentBox->addLayout(removeRow);

    auto* actions = new QVBoxLayout;
    actions->addWidget(new QLabel(u"<b>Start</b>"_s, this));
    for (QPushButton* button : { m_new, m_open, m_recording, m_demo })
        actions->addWidget(button);
    actions->addStretch(1);

    auto* body = new QHBoxLayout;
    body->addLayout(recentBox, 3);
    body->addSpacing(16);
    body->addLayout(actions, 2);

    m_message->setObjectName(u"WelcomeMessage"_s);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setVisible(false);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 20, 24, 20);
    layout->addLayout(header);
    layout->addSpacing(12);
    layout->addLayout(body, 1);
    layout->addWidget(m_message);

    connect(m_new, &QPushButton::clicked, this, &WelcomePage::newWorkspaceRequested);
    connect(m_open, &QPushButton::clicked, this, &WelcomePage::chooseWorkspace);
    connect(m_recording, &QPushButton::clicked, this, &WelcomePage::chooseRecording);
    connect(m_demo, &QPushButton::clicked, this, &WelcomePage::demoRequested);
    connect(m_remove, &QPushButton::clicked, this, &WelcomePage::removeSelectedRecent);
    connect(m_recent, &QListWidget::itemActivated, this,
        [this](QListWidgetItem* item) { openRecent(m_recent->row(item)); });
    connect(m_recent, &QListWidget::currentRowChanged, this, [this](int row) { m_remove->setEnabled(row >= 0); });
    refreshRecent();
}

WelcomePage::~WelcomePage() = default;

void WelcomePage::refreshRecent()
{
    m_recent->clear();
    const QStringList paths = RecentWorkspaces::paths();
    for (const QString& path : paths) {
        const QFileInfo info(path);
        const bool missing = !info.isFile();
        // The folder as people write it: ~ for the home folder.
        QString folder = info.absolutePath();
        const QString home = QDir::homePath();
        if (home != u"/"_s && (folder == home || folder.startsWith(home + u'/')))
            folder = u"~"_s + folder.mid(home.size());
        QString text = info.fileName() + u"\n"_s + QDir::toNativeSeparators(folder);
        if (missing)
            text += u"  (missing)"_s;
        auto* item = new QListWidgetItem(text, m_recent);
        item->setData(kPathRole, path);
        item->setData(kMissingRole, missing);
        item->setToolTip(missing ? u"%1 is not there any more; Remove from list forgets it"_s.arg(path) : path);
        if (missing)
            item->setForeground(palette().color(QPalette::Disabled, QPalette::Text));
    }
    if (paths.isEmpty()) {
        auto* item = new QListWidgetItem(u"No workspace opened yet: start with a new one, or try the demo."_s);
        item->setFlags(Qt::NoItemFlags);
        m_recent->addItem(item);
    }
    m_remove->setEnabled(false);
}

QStringList WelcomePage::recentPaths() const
{
    QStringList paths;
    for (int i = 0; i < m_recent->count(); ++i) {
        const QString path = m_recent->item(i)->data(kPathRole).toString();
        if (!path.isEmpty())
            paths.append(path);
    }
    return paths;
}

bool WelcomePage::isMissing(int row) const
{
    const QListWidgetItem* item = m_recent->item(row);
    return item && item->data(kMissingRole).toBool();
}

void WelcomePage::openRecent(int row)
{
    const QListWidgetItem* item = m_recent->item(row);
    if (!item || item->data(kPathRole).toString().isEmpty())
        return;
    const QString path = item->data(kPathRole).toString();
    if (!QFileInfo(path).isFile()) {
        showMessage(u"%1 is not there any more (moved or deleted?). Remove it from the list, or open it from "
                    u"where it is now."_s.arg(path),
            true);
        return;
    }
    Q_EMIT openWorkspaceRequested(path);
}

void WelcomePage::removeSelectedRecent()
{
    const QListWidgetItem* item = m_recent->currentItem();
    if (!item || item->data(kPathRole).toString().isEmpty())
        return;
    RecentWorkspaces::remove(item->data(kPathRole).toString());
    refreshRecent();
}

void WelcomePage::showMessage(const QString& text, bool error)
{
    m_message->setText(text);
    m_message->setStyleSheet(error ? u"QLabel { color: %1; }"_s.arg(Theme::errorColor().name()) : QString());
    m_message->setVisible(!text.isEmpty());
}

QString WelcomePage::message() const
{
    return m_message->text();
}

void WelcomePage::setDemoStarting(bool starting)
{
    m_demo->setEnabled(!starting);
    if (starting)
        showMessage(u"Starting the demo: a throwaway PostgreSQL and four services…"_s);
}

void WelcomePage::chooseWorkspace()
{
    const QString path
        = QFileDialog::getOpenFileName(this, u"Open workspace"_s, QString(), u"Workspaces (*.json);;All files (*)"_s);
    if (!path.isEmpty())
        Q_EMIT openWorkspaceRequested(path);
}

void WelcomePage::chooseRecording()
{
    const QString path = QFileDialog::getOpenFileName(
        this, u"Open recording"_s, QString(), u"PoolScope recordings (*.sqlite);;All files (*)"_s);
    if (!path.isEmpty())
        Q_EMIT openRecordingRequested(path);
}

} // namespace poolscope
