#include "SuspectsModel.h"

#include "Format.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
QString seconds(double s)
{
    return std::isnan(s) ? unknownText() : formatDuration(static_cast<qint64>(s * 1000.0));
}
} // namespace

SuspectsModel::SuspectsModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

SuspectsModel::~SuspectsModel() = default;

int SuspectsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_suspects.size());
}

int SuspectsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : NumColumns;
}

void SuspectsModel::setSuspects(const QList<Suspect>& suspects)
{
    bool samePids = suspects.size() == m_suspects.size();
    for (qsizetype i = 0; samePids && i < suspects.size(); ++i)
        samePids = suspects.at(i).pid == m_suspects.at(i).pid;
    if (!samePids) {
        beginResetModel();
        m_suspects = suspects;
        endResetModel();
        return;
    }
    m_suspects = suspects;
    if (!m_suspects.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, NumColumns - 1));
}

int SuspectsModel::pidAt(int row) const
{
    return row >= 0 && row < m_suspects.size() ? m_suspects.at(row).pid : 0;
}

int SuspectsModel::rowOfPid(int pid) const
{
    for (qsizetype i = 0; i < m_suspects.size(); ++i) {
        if (m_suspects.at(i).pid == pid)
            return static_cast<int>(i);
    }
    return -1;
}

QVariant SuspectsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Suspect& s = m_suspects.at(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
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
        case Fingerprint:
            return singleLine(s.fingerprint);
        case Reason:
            return s.reason;
        }
        return {};
    }
    if (role == SortRole) {
        switch (index.column()) {
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
        if (index.column() == Fingerprint)
            return s.fingerprint;
        if (index.column() == Reason)
            return s.reason;
        return {};
    }
    if (role == Qt::TextAlignmentRole && (index.column() == Pid || index.column() == Idle))
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant SuspectsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
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
