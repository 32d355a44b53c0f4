#include "SuspectsModel.h"

#include "Format.h"
#include "analysis/Holders.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
QString seconds(double s)
{
    return std::isnan(s) ? unknownText() : formatDurationMs(static_cast<qint64>(s * 1000.0));
}
} // namespace

SuspectsModel::SuspectsModel(QObject* parent)
    : TableModel(NumColumns, parent)
{ }

SuspectsModel::~SuspectsModel() = default;

void SuspectsModel::setSuspects(const QList<Suspect>& suspects)
{
    updateRows({ suspects.begin(), suspects.end() });
}

void SuspectsModel::setRedacted(bool redacted)
{
    if (redacted == m_redacted)
        return;
    m_redacted = redacted;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, Holder), index(rowCount() - 1, Holder));
}

int SuspectsModel::pidAt(int row) const
{
    return isRow(row) ? rowAt(row).pid : 0;
}

int SuspectsModel::rowOfPid(int pid) const
{
    return rowOfKey(pid);
}

QVariant SuspectsModel::cell(const Suspect& s, int column, int role) const
{
    if (role == Qt::DisplayRole) {
        switch (column) {
        case Pid:
            return QString::number(s.pid);
        case Application:
            return s.applicationName.isEmpty() ? unknownText() : s.applicationName;
        case State:
            return s.state;
        case Idle:
            return seconds(s.idleSeconds);
        case Unchanged:
            return s.unchangedPolls > 0 ? u"%1 (%2 polls)"_s.arg(seconds(s.unchangedSeconds)).arg(s.unchangedPolls)
                                        : seconds(s.unchangedSeconds);
        case Holder: {
            if (!s.holder)
                return QString();
            const QString location = s.holder->location();
            const QString shown = location.isEmpty() ? u"(no stack)"_s : m_redacted ? redactFrame(location) : location;
            return std::isnan(s.heldSeconds) ? shown : u"%1 at %2"_s.arg(seconds(s.heldSeconds), shown);
        }
        case Fingerprint:
            return singleLine(s.fingerprint);
        case Reason:
            return s.reasonText(m_redacted);
        }
        return {};
    }
    if (role == SortRole) {
        switch (column) {
        case Pid:
            return s.pid;
        case Application:
            return s.applicationName;
        case State:
            return s.state;
        case Idle:
            return s.idleSeconds;
        case Unchanged:
            return s.unchangedSeconds;
        case Holder:
            return s.holder ? s.heldSeconds : qQNaN();
        case Fingerprint:
            return s.fingerprint;
        case Reason:
            return s.score;
        }
        return {};
    }
    if (role == PidRole)
        return s.pid;
    if (role == Qt::ToolTipRole) {
        if (column == Fingerprint)
            return s.fingerprint;
        if (column == Reason)
            return s.reasonText(m_redacted);
        if (column == Holder && s.holder) {
            const poolscope::Holder h = m_redacted ? redactHolder(*s.holder) : *s.holder;
            QString tip = h.route.isEmpty() ? QString() : u"route: "_s + h.route + u'\n';
            tip += h.stack.isEmpty() ? u"(the app reported no stack)"_s : h.stack.join(u'\n');
            return tip;
        }
        return {};
    }
    if (role == Qt::TextAlignmentRole && (column == Pid || column == Idle))
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant SuspectsModel::header(int section, int role) const
{
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Pid:
        return u"Pid"_s;
    case Application:
        return u"Application"_s;
    case State:
        return u"State"_s;
    case Idle:
        return u"Idle"_s;
    case Unchanged:
        return u"Unchanged for"_s;
    case Holder:
        return u"Held by"_s;
    case Fingerprint:
        return u"Query fingerprint"_s;
    case Reason:
        return u"Reason"_s;
    }
    return {};
}

QHash<int, QByteArray> SuspectsModel::roleNames() const
{
    auto names = QAbstractTableModel::roleNames();
    names.insert(SortRole, "sort");
    names.insert(PidRole, "pid");
    return names;
}

} // namespace poolscope
