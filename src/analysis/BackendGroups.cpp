#include "BackendGroups.h"

#include "QueryFingerprint.h"

#include <QHash>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace poolscope {

QList<BackendGroup> groupBackends(const QList<Backend>& backends, BackendGrouping grouping, qint64 serverNowMs)
{
    QList<BackendGroup> groups;
    QHash<QString, qsizetype> index;
    QHash<QString, qint64> oldestStart;
    QHash<QString, qint64> oldestChange;
    for (const auto& b : backends) {
        QString key;
        QString label;
        switch (grouping) {
        case BackendGrouping::ApplicationName:
            key = b.applicationName;
            label = key.isEmpty() ? u"(none)"_s : key;
            break;
        case BackendGrouping::ClientAddress:
            key = b.clientAddr;
            label = key.isEmpty() ? u"(local socket)"_s : key;
            break;
        case BackendGrouping::State:
            key = b.withheld ? u"(withheld)"_s : b.state;
            label = key.isEmpty() ? u"(none)"_s : key;
            break;
        case BackendGrouping::Fingerprint:
            key = b.withheld ? u"(withheld)"_s : fingerprintQuery(b.query);
            label = key.isEmpty() ? u"(none)"_s : key;
            break;
        }
        // Keep "(withheld)" apart from a real state or query of that text.
        const QString slot
            = (b.withheld && (grouping == BackendGrouping::State || grouping == BackendGrouping::Fingerprint))
            ? u"\u0001withheld"_s
            : key;
        auto it = index.constFind(slot);
        if (it == index.cend()) {
            BackendGroup g;
            g.key = key;
            g.label = label;
            groups.append(g);
            it = index.insert(slot, groups.size() - 1);
        }
        BackendGroup& g = groups[it.value()];
        ++g.count;
        g.pids.append(b.pid);
        if (b.backendStartMs != kNoTime
            && (!oldestStart.contains(slot) || b.backendStartMs < oldestStart.value(slot))) {
            oldestStart.insert(slot, b.backendStartMs);
            g.oldestAgeSeconds = static_cast<double>(serverNowMs - b.backendStartMs) / 1000.0;
        }
        if (b.stateChangeMs != kNoTime
            && (!oldestChange.contains(slot) || b.stateChangeMs < oldestChange.value(slot))) {
            oldestChange.insert(slot, b.stateChangeMs);
            g.oldestInStateSeconds = static_cast<double>(serverNowMs - b.stateChangeMs) / 1000.0;
            g.oldestInStatePid = b.pid;
        }
    }
    for (auto& g : groups)
        std::sort(g.pids.begin(), g.pids.end());
    std::stable_sort(groups.begin(), groups.end(), [](const BackendGroup& a, const BackendGroup& b) {
        return a.count != b.count ? a.count > b.count : a.key < b.key;
    });
    return groups;
}

} // namespace poolscope
