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
    , m_remove(new QPushButton(tr("&Remove from list"), this))
    , m_new(bigButton(
          tr("&New workspace…"), tr("Add targets and databases, test them, and start watching"), u"WelcomeNew"_s, this))
    , m_open(bigButton(tr("&Open workspace…"), tr("A workspace file (JSON) written by PoolScope or by hand"),
          u"WelcomeOpen"_s, this))
    , m_recording(bigButton(WelcomePage::tr("Open &recording…"),
          tr("Review a recorded session: timeline, backends, suspects"), u"WelcomeRecording"_s, this))
    , m_demo(bigButton(WelcomePage::tr("Try the &demo"),
          tr("A throwaway PostgreSQL and four services, one of which can leak connections"), u"WelcomeDemo"_s, this))
    , m_message(new QLabel(this))
{
    setWindowTitle(tr("PoolScope"));
    setWindowIcon(Theme::appIcon());
    setAccessibleName(tr("PoolScope welcome"));
    resize(860, 520);

    auto* title = new QLabel(u"<span style=\"font-size: 20pt; font-weight: 600;\">PoolScope</span><br>"_s
            + tr("Is the pool leaking, or is it baseline overhead, and who holds the connections?").toHtmlEscaped(),
        this);
    title->setWordWrap(true);
    auto* icon = new QLabel(this);
    icon->setPixmap(Theme::appIcon().pixmap(64, 64));
    auto* header = new QHBoxLayout;
    header->addWidget(icon);
    header->addWidget(title, 1);

    m_recent->setObjectName(u"RecentWorkspaces"_s);
    m_recent->setAccessibleName(tr("Recent workspaces"));
    m_recent->setAlternatingRowColors(true);
    m_recent->setWordWrap(true);
    m_recent->setSpacing(2);
    m_remove->setObjectName(u"WelcomeRemoveRecent"_s);
    m_remove->setToolTip(tr("Forget the selected workspace (the file is not touched)"));
    m_remove->setEnabled(false);
    auto* recentBox = new QVBoxLayout;
    recentBox->addWidget(new QLabel(tr("<b>Recent workspaces</b>"), this));
    recentBox->addWidget(m_recent, 1);
    auto* removeRow = new QHBoxLayout;
    removeRow->addStretch(1);
    removeRow->addWidget(m_remove);
    recentBox->addLayout(removeRow);

    auto* actions = new QVBoxLayout;
    actions->addWidget(new QLabel(tr("<b>Start</b>"), this));
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
            text += u"  "_s + tr("(missing)");
        auto* item = new QListWidgetItem(text, m_recent);
        item->setData(kPathRole, path);
        item->setData(kMissingRole, missing);
        item->setToolTip(missing ? tr("%1 is not there any more; Remove from list forgets it").arg(path) : path);
        if (missing)
            item->setForeground(palette().color(QPalette::Disabled, QPalette::Text));
    }
    if (paths.isEmpty()) {
        auto* item = new QListWidgetItem(tr("No workspace opened yet: start with a new one, or try the demo."));
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
        showMessage(tr("%1 is not there any more (moved or deleted?). Remove it from the list, or open it from "
                       "where it is now.")
                        .arg(path),
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
        showMessage(tr("Starting the demo: a throwaway PostgreSQL and four services…"));
}

void WelcomePage::chooseWorkspace()
{
    const QString path
        = QFileDialog::getOpenFileName(this, tr("Open workspace"), QString(), tr("Workspaces (*.json);;All files (*)"));
    if (!path.isEmpty())
        Q_EMIT openWorkspaceRequested(path);
}

void WelcomePage::chooseRecording()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open recording"), QString(), tr("PoolScope recordings (*.psrec *.sqlite);;All files (*)"));
    if (!path.isEmpty())
        Q_EMIT openRecordingRequested(path);
}

} // namespace poolscope
