#include "RecordingStatusWidget.h"

#include "Theme.h"

#include "record/RecordingManager.h"
#include "store/Session.h"

#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QTimer>
#include <QToolButton>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace poolscope {

RecordingStatusWidget::RecordingStatusWidget(Session* session, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_timer(new QTimer(this))
{
    setAccessibleName(tr("Recording status"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    m_record = new QToolButton(this);
    m_record->setAccessibleName(tr("Record"));
    m_record->setCheckable(true);
    m_record->setAutoRaise(true);
    m_record->setText(tr("● Record"));
    layout->addWidget(m_record);
    m_path = new QToolButton(this);
    m_path->setAccessibleName(tr("Recording file"));
    m_path->setAutoRaise(true);
    m_path->setToolButtonStyle(Qt::ToolButtonTextOnly);
    layout->addWidget(m_path);
    m_size = new QLabel(this);
    m_size->setAccessibleName(tr("Recording size"));
    layout->addWidget(m_size);

    m_timer->setInterval(kRefreshIntervalMs);
    connect(m_timer, &QTimer::timeout, this, &RecordingStatusWidget::refresh);
    connect(m_record, &QToolButton::clicked, this, &RecordingStatusWidget::setRecording);
    connect(m_path, &QToolButton::clicked, this, [this] {
        if (m_manager && !m_manager->path().isEmpty())
            QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(m_manager->path()).absolutePath()));
    });
    refresh();
}

RecordingStatusWidget::~RecordingStatusWidget() = default;

RecordingManager* RecordingStatusWidget::manager() const
{
    return m_manager;
}

void RecordingStatusWidget::setManager(RecordingManager* manager)
{
    if (m_manager)
        disconnect(m_manager, nullptr, this, nullptr);
    m_manager = manager;
    if (manager) {
        connect(manager, &RecordingManager::stateChanged, this, &RecordingStatusWidget::refresh);
        connect(manager, &RecordingManager::failed, this,
            [this](const QString& text) { Q_EMIT message(tr("Recording failed: ") + text); });
    }
    refresh();
}

void RecordingStatusWidget::setRecording(bool on)
{
    if (!m_manager || !m_session) {
        refresh();
        return;
    }
    if (on && !m_manager->isRecording()) {
        if (m_manager->start(m_session))
            Q_EMIT message(tr("Recording to ") + QDir::toNativeSeparators(m_manager->path()));
        else
            Q_EMIT message(tr("Cannot record: ") + m_manager->lastError());
    } else if (!on && m_manager->isRecording()) {
        const QString path = m_manager->path();
        m_manager->stop();
        Q_EMIT message(tr("Recording saved: ") + QDir::toNativeSeparators(path));
    }
    refresh();
}

QString RecordingStatusWidget::formatSize(qint64 bytes)
{
    if (bytes < 1024)
        return u"%1 B"_s.arg(std::max<qint64>(bytes, 0));
    if (bytes < 1024 * 1024)
        return u"%1 KB"_s.arg(bytes / 1024);
    if (bytes < qint64(1024) * 1024 * 1024)
        return u"%1 MB"_s.arg(double(bytes) / (1024.0 * 1024.0), 0, 'f', 1);
    return u"%1 GB"_s.arg(double(bytes) / (1024.0 * 1024.0 * 1024.0), 0, 'f', 2);
}

QString RecordingStatusWidget::pathText() const
{
    return m_path->toolTip();
}

QString RecordingStatusWidget::sizeText() const
{
    return m_size->text();
}

void RecordingStatusWidget::refresh()
{
    const bool available = m_manager && m_session && !m_session->isReview();
    const bool recording = m_manager && m_manager->isRecording();
    m_record->setEnabled(available);
    m_record->setVisible(!(m_session && m_session->isReview())); // a reopened recording is not recorded again
    m_record->setChecked(recording);
    m_record->setText(recording ? tr("■ Stop recording") : tr("● Record"));
    m_record->setStyleSheet(
        recording ? u"QToolButton { color: %1; font-weight: bold; }"_s.arg(Theme::errorColor().name()) : QString());
    if (!m_manager)
        m_record->setToolTip(tr("Recording is not available here"));
    else if (m_session && m_session->isReview())
        m_record->setToolTip(tr("A reopened recording is not recorded again"));
    else
        m_record->setToolTip(recording ? tr("Stop writing the recording")
                                       : tr("Record this session to a file (for review and exports)"));
    if (recording) {
        const QString full = QDir::toNativeSeparators(m_manager->path());
        m_path->setText(fontMetrics().elidedText(full, Qt::ElideMiddle, 260));
        m_path->setToolTip(full + tr("\nClick to open the folder"));
        m_path->show();
        m_size->setText(formatSize(m_manager->fileSize()));
        m_size->show();
        if (!m_timer->isActive())
            m_timer->start();
    } else {
        m_path->hide();
        m_path->setToolTip(QString());
        m_size->hide();
        m_size->clear();
        m_timer->stop();
    }
}

} // namespace poolscope
