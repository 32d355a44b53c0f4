#include "SuspectsModel.h"

#include "Format.h"

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
        case Fingerprint:
            return singleLine(s.fingerprint);
        case Reason:
            return s.reason;
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
            return s.reason;
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
