#pragma once

#include "ExpositionWriter.h"

#include <QObject>

#include <vector>

namespace poolscope {

class Diagnosis;
class Session;

// What `poolscope agent` serves on /metrics: a Session's targets and databases, its Diagnosis's verdicts,
// and the agent's own poll counters, as the metric families README.md ("Watching a fleet") lists. Counts
// every poll the Session receives from construction on. Label cardinality is bounded: no pid, query or
// client address/port; at most kMaxRoutes routes per target and kMaxApplications application names per
// database, the rest folded into "other".
class AgentMetrics : public QObject
{
    Q_OBJECT
public:
    static constexpr int kMaxRoutes = 50;
    static constexpr int kMaxApplications = 20;

    AgentMetrics(const Session* session, const Diagnosis* diagnosis, QObject* parent = nullptr);

    QByteArray exposition(ExpositionWriter::Format format) const;

    // The `service` label of a target: its workspace `service`, else its name.
    static QString serviceOf(const Session& session, int targetIndex);

private:
    struct PollCounts
    {
        qint64 polls = 0;
        qint64 errors = 0;
        double secondsSum = 0;
    };
    void onSample(int targetIndex);
    void onSnapshot(int databaseIndex);

    const Session* m_session;
    const Diagnosis* m_diagnosis;
    std::vector<PollCounts> m_targets;
    std::vector<PollCounts> m_databases;
    qint64 m_startMs = 0;
};

} // namespace poolscope
