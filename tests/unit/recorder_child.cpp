// Helper for tst_recorder's crash test: records synthetic ticks to the file given as argv[1] as fast as
// it can, committing each tick and then announcing it on stdout ("tick N"), until killed or argv[2]
// ticks are done.

#include "SyntheticSession.h"
#include "record/Recorder.h"

#include <QCoreApplication>

#include <cstdio>

using namespace poolscope;

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() < 3) {
        std::fprintf(stderr, "usage: recorder_child FILE TICKS\n");
        return 2;
    }
    const int ticks = args.at(2).toInt();
    test::SyntheticOptions options;
    options.backends = 200;
    test::SyntheticFeed feed(options);
    Session session(feed.workspace());
    Recorder recorder(&session);
    QString error;
    if (!recorder.open(args.at(1), &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    for (int tick = 0; tick < ticks; ++tick) {
        feed.feed(session, tick);
        if (!recorder.flush()) {
            std::fprintf(stderr, "%s\n", qPrintable(recorder.lastError()));
            return 1;
        }
        std::printf("tick %d\n", tick);
        std::fflush(stdout);
    }
    recorder.close();
    return 0;
}
