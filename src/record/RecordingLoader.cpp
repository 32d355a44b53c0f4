#include "RecordingLoader.h"

#include "RecordingArchive.h"
#include "jobs/JobTracker.h"
#include "store/Session.h"

#include <QFileInfo>
#include <QPointer>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {
constexpr qsizetype kEventsPerDelivery = 500;

// What the steps share on the receiver's thread.
struct OpenState
{
    RecordingOpenCallbacks callbacks;
    QPointer<Session> session; // owned by the receiver once delivered
};
} // namespace

quint64 openRecording(JobTracker& tracker, const QString& path, QObject* receiver, RecordingOpenCallbacks callbacks)
{
    auto state = std::make_shared<OpenState>();
    state->callbacks = std::move(callbacks);
    const QString title = u"Opening %1"_s.arg(QFileInfo(path).fileName());
    return tracker.run(u"open-recording"_s, title, receiver, [path, state](JobControl& control) {
        RecordingReader reader;
        QString error;
        if (!reader.open(path, &error)) {
            control.deliver([state, error] {
                if (state->callbacks.failed)
                    state->callbacks.failed(error);
            });
            return;
        }
        auto content = std::make_shared<SessionContent>(reader.workspace());
        const bool complete = reader.read(*content, [&control](double fraction) {
            control.setProgress(fraction < 0 ? JobControl::kIndeterminate : fraction * 0.9);
            return !control.isCanceled();
        });
        if (control.isCanceled())
            return;
        Q_UNUSED(complete); // problems() says what was missing
        const RecordingReader::TimeRange range { content->firstMs, content->lastMs };
        const Workspace workspace = reader.workspace();
        auto events = std::make_shared<QList<Event>>(std::move(content->events));
        content->events.clear();
        control.deliver([state, content, workspace, range] {
            auto session = std::make_unique<Session>(workspace);
            session->setReview(true);
            session->adopt(std::move(*content));
            state->session = session.get();
            if (state->callbacks.timeline)
                state->callbacks.timeline(std::move(session), range);
        });
        for (qsizetype from = 0; from < events->size() && !control.isCanceled(); from += kEventsPerDelivery) {
            control.deliver([state, events, from] {
                if (!state->session)
                    return;
                const qsizetype to = std::min(events->size(), from + kEventsPerDelivery);
                for (qsizetype i = from; i < to; ++i)
                    state->session->addEvent(events->at(i));
            });
        }
        control.setProgress(0.95);
        auto archive = std::make_shared<std::unique_ptr<RecordingArchive>>(std::make_unique<RecordingArchive>());
        if (!(*archive)->open(path))
            archive->reset();
        const QStringList problems = reader.problems();
        reader.close();
        control.deliver([state, archive, problems] {
            if (state->callbacks.rest)
                state->callbacks.rest(std::move(*archive), problems);
        });
    });
}

} // namespace poolscope
