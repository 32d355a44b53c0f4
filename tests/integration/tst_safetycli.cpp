// The poolscope binary under hostile input and careless commands (issue 8): output paths that would destroy
// a file, secrets that must never be written, payload text that must not reach a terminal or a spreadsheet
// raw, signals that arrive early. Each test runs the real binary against a real HTTP server on 127.0.0.1.
#include "DemoState.h"
#include "TestFiles.h"
#include "record/RecordingReader.h"

#include <QDir>
#include <QDirIterator>
#include <QEventLoop>
#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <functional>
#include <memory>

#include <pthread.h>
#include <signal.h>

using namespace Qt::StringLiterals;
using namespace poolscope::test;

namespace {

QByteArray httpResponse(int code, const QByteArray& reason, const QByteArray& body, const QByteArray& extra = {})
{
    return "HTTP/1.1 " + QByteArray::number(code) + ' ' + reason
        + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\nConnection: close\r\n" + extra + "\r\n" + body;
}

// A payload whose text (route names) a database user or a health endpoint controls.
QByteArray payload(const QByteArray& routeName, const QByteArray& checkedOut = "3")
{
    return "{\"database\":{\"pool\":{\"checked_out\":" + checkedOut
        + ",\"pool_size\":10,\"pool_available\":7},\"tracking\":{\"total_active\":3,\"routes\":{\"" + routeName
        + "\":{\"acquired\":2,\"released\":1,\"active\":1,\"leaks\":0},\"/api/ok\":{\"acquired\":5,\"released\":5}}}}}";
}

// An HTTP/1.1 server on 127.0.0.1 that answers each path with canned bytes and remembers the request heads.
class HttpServer
{
public:
    HttpServer()
    {
        QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] {
            while (QTcpSocket* socket = m_server.nextPendingConnection()) {
                auto buffer = std::make_shared<QByteArray>();
                QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
                    buffer->append(socket->readAll());
                    const qsizetype end = buffer->indexOf("\r\n\r\n");
                    if (end < 0 || buffer->isEmpty())
                        return;
                    const QByteArray head = buffer->left(end);
                    buffer->clear();
                    m_heads.append(head);
                    const QByteArray path = head.split(' ').value(1);
                    socket->write(m_routes.value(path, httpResponse(404, "Not Found", "{}")));
                    socket->disconnectFromHost();
                });
                QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
        if (!m_server.listen(QHostAddress::LocalHost, 0))
            qFatal("cannot listen: %s", qPrintable(m_server.errorString()));
    }
    void setRoute(const QByteArray& path, const QByteArray& bytes) { m_routes.insert(path, bytes); }
    QString origin() const { return u"http://127.0.0.1:%1"_s.arg(m_server.serverPort()); }
    QString url(const QByteArray& path) const { return origin() + QString::fromLatin1(path); }
    const QList<QByteArray>& heads() const { return m_heads; }

private:
    QTcpServer m_server;
    QHash<QByteArray, QByteArray> m_routes;
    QList<QByteArray> m_heads;
};

bool writeAll(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// A recording a stopped process left is whole: it opens, and no part of it is damaged (a torn last tick included).
void verifyCompleteRecording(const QString& path)
{
    poolscope::RecordingReader reader;
    QString error;
    QVERIFY2(reader.open(path, &error), qPrintable(error));
    QVERIFY2(reader.problems().isEmpty(), qPrintable(path + u": "_s + reader.problems().join(u"; "_s)));
}

} // namespace

class TestSafetyCli : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    HttpServer m_server;
    QString m_recording; // made once by initTestCase from m_server

    QString file(const QString& name) const { return m_dir.filePath(name); }

    // Runs poolscope without blocking the event loop (m_server answers meanwhile). `during` runs once it started.
    PoolscopeRun run(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment(),
        const std::function<void(QProcess&)>& during = {}, int timeoutMs = 120000, const QString& program = {})
    {
        QProcess process;
        process.setProcessEnvironment(env);
        process.setWorkingDirectory(m_dir.path());
        process.start(program.isEmpty() ? poolscopeBinary() : program, args);
        PoolscopeRun result;
        if (!process.waitForStarted(30000))
            return result;
        if (during)
            during(process);
        QEventLoop loop;
        QObject::connect(&process, &QProcess::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
        if (process.state() != QProcess::NotRunning)
            loop.exec();
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished();
            result.err = "timed out";
            return result;
        }
        result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
        result.out = process.readAllStandardOutput();
        result.err = process.readAllStandardError();
        return result;
    }

    // Starts poolscope with SIGTERM blocked and sends it SIGTERM at once (see earlySignalStopsRecordCleanly).
    PoolscopeRun runSignalledAtOnce(
        const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment())
    {
        sigset_t blocked;
        sigset_t previous;
        sigemptyset(&blocked);
        sigaddset(&blocked, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &blocked, &previous);
        const PoolscopeRun result = run(
            args, env,
            [&previous](QProcess& p) {
                pthread_sigmask(SIG_SETMASK, &previous, nullptr); // the child keeps the mask it started with
                p.terminate();
            },
            60000);
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        return result;
    }

    QString workspace(const QString& name, const QString& url, const QByteArray& extra = {})
    {
        const QByteArray json = "{\"version\":1,\"targets\":[{\"name\":\"web\",\"url\":\"" + url.toUtf8()
            + "\",\"profile\":\"seed\",\"interval\":0.2" + extra + "}]}";
        const QString path = file(name);
        return writeAll(path, json) ? path : QString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_server.setRoute("/health", httpResponse(200, "OK", payload("=HYPERLINK(\\\"http://evil\\\")")));
        m_recording = file(u"rec.sqlite"_s);
        const PoolscopeRun recorded = run({ u"record"_s, workspace(u"ws.json"_s, m_server.url("/health")), u"--out"_s,
            m_recording, u"--duration"_s, u"2"_s });
        QVERIFY2(recorded.exitCode == 0, recorded.err.constData());
    }

    // Finding 1: `screenshot --out` never empties the file it reads nor a file of another kind.
    void screenshotNeverDestroysAFile_data()
    {
        QTest::addColumn<QString>("out");
        QTest::addColumn<QByteArray>("contents"); // written first; empty: out is the recording itself
        QTest::addColumn<QString>("message");
        QTest::addRow("its own input") << u"rec.sqlite"_s << QByteArray()
                                       << u"--out rec.sqlite: is the recording being read; choose another file"_s;
        QTest::addRow("notes") << u"notes.txt"_s << QByteArray("my notes\n")
                               << u"--out notes.txt: holds text, not a PNG image; refusing to replace it (--force "
                                  u"replaces it)"_s;
        QTest::addRow("a csv") << u"table.png"_s << QByteArray("a,b\r\n1,2\r\n")
                               << u"--out table.png: holds CSV, not a PNG image"_s;
    }
    void screenshotNeverDestroysAFile()
    {
        QFETCH(QString, out);
        QFETCH(QByteArray, contents);
        QFETCH(QString, message);
        if (!contents.isEmpty())
            QVERIFY(writeAll(file(out), contents));
        const QByteArray before = readAll(file(out));
        QVERIFY(!before.isEmpty());
        const PoolscopeRun run = this->run({ u"screenshot"_s, u"rec.sqlite"_s, u"--out"_s, out });
        QCOMPARE(run.exitCode, 3);
        QVERIFY2(run.err.contains(message.toUtf8()), run.err.constData());
        QCOMPARE(readAll(file(out)), before);
    }

    void screenshotForceReplacesAnotherKind()
    {
        QVERIFY(writeAll(file(u"old.png"_s), "not an image\n"));
        const PoolscopeRun run
            = this->run({ u"screenshot"_s, u"rec.sqlite"_s, u"--out"_s, u"old.png"_s, u"--force"_s });
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY(readAll(file(u"old.png"_s)).startsWith("\x89PNG\r\n\x1a\n"));
    }

    void screenshotSvgIsWritten()
    {
        const PoolscopeRun run = this->run({ u"screenshot"_s, u"rec.sqlite"_s, u"--out"_s, u"shot.svg"_s });
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY(readAll(file(u"shot.svg"_s)).contains("<svg"));
    }

    void screenshotFailureSaysWhy()
    {
        const PoolscopeRun run
            = this->run({ u"screenshot"_s, u"rec.sqlite"_s, u"--out"_s, u"no-such-folder/shot.svg"_s });
        QCOMPARE(run.exitCode, 3);
        QVERIFY2(run.err.contains("--out no-such-folder/shot.svg: cannot write: the folder"), run.err.constData());
    }

    // Finding 2: `export --out` onto its own input (or another recording) is refused.
    void exportNeverOverwritesARecording()
    {
        const QByteArray before = readAll(m_recording);
        PoolscopeRun run
            = this->run({ u"export"_s, u"rec.sqlite"_s, u"--what"_s, u"timeline"_s, u"--out"_s, u"rec.sqlite"_s });
        QCOMPARE(run.exitCode, 3);
        QVERIFY2(run.err.contains("--out rec.sqlite: is the recording being read; choose another file"),
            run.err.constData());
        QCOMPARE(readAll(m_recording), before);
        // Another recording is refused, even with --force? No: --force is the user saying so.
        QVERIFY(QFile::copy(m_recording, file(u"other.sqlite"_s)));
        run = this->run({ u"export"_s, u"rec.sqlite"_s, u"--what"_s, u"timeline"_s, u"--out"_s, u"other.sqlite"_s });
        QCOMPARE(run.exitCode, 3);
        QVERIFY2(run.err.contains("--out other.sqlite: holds a PoolScope recording, not CSV"), run.err.constData());
        QCOMPARE(readAll(file(u"other.sqlite"_s)), before);
    }

    // Finding 6: text a spreadsheet would evaluate is neutralised; --raw writes the bytes.
    void csvCellsAreNeutralised()
    {
        PoolscopeRun run = this->run(
            { u"export"_s, u"rec.sqlite"_s, u"--what"_s, u"routes"_s, u"--out"_s, u"routes.csv"_s, u"--redact"_s });
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QByteArray csv = readAll(file(u"routes.csv"_s));
        QVERIFY2(csv.contains(",\"'=HYPERLINK(\"\"http://evil\"\")\",2,1,1,0\r\n"), csv.constData());
        run = this->run(
            { u"export"_s, u"rec.sqlite"_s, u"--what"_s, u"routes"_s, u"--out"_s, u"raw.csv"_s, u"--raw"_s });
        QVERIFY2(run.exitCode == 0, run.err.constData());
        csv = readAll(file(u"raw.csv"_s));
        QVERIFY2(csv.contains(",\"=HYPERLINK(\"\"http://evil\"\")\",2,1,1,0\r\n"), csv.constData());
    }

    // Finding 4: no secret of the workspace ends up in anything PoolScope writes or prints.
    void secretsAreNeverWritten()
    {
        HttpServer server;
        server.setRoute("/health", httpResponse(200, "OK", payload("/api/bets")));
        QTemporaryDir home;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"HOME"_s, home.path());
        env.insert(u"XDG_CONFIG_HOME"_s, home.filePath(u"config"_s));
        env.insert(u"XDG_DATA_HOME"_s, home.filePath(u"data"_s));
        env.insert(u"XDG_CACHE_HOME"_s, home.filePath(u"cache"_s));
        env.insert(u"POOLSCOPE_TOKEN"_s, u"EnvTokenSecret7"_s);
        const QStringList secrets { u"HeaderValueSecret5"_s, u"UrlPasswordSecret6"_s, u"EnvTokenSecret7"_s };
        const QString url = server.url("/health").replace(u"http://"_s, u"http://scraper:UrlPasswordSecret6@"_s);
        const QString ws = workspace(u"secret-ws.json"_s, url,
            ",\"headers\":{\"X-Api-Key\":\"HeaderValueSecret5\",\"Authorization\":\"Bearer ${env:POOLSCOPE_TOKEN}\"}");

        QTemporaryDir out;
        QList<PoolscopeRun> runs;
        runs.append(run({ u"record"_s, ws, u"--out"_s, out.filePath(u"s.sqlite"_s), u"--duration"_s, u"2"_s }, env));
        QVERIFY2(runs.last().exitCode == 0, runs.last().err.constData());
        for (const QString& what : { u"timeline"_s, u"routes"_s, u"backends"_s, u"events"_s })
            runs.append(run({ u"export"_s, out.filePath(u"s.sqlite"_s), u"--what"_s, what, u"--out"_s,
                                out.filePath(what + u".csv"_s) },
                env));
        runs.append(run({ u"screenshot"_s, out.filePath(u"s.sqlite"_s), u"--out"_s, out.filePath(u"s.png"_s) }, env));
        runs.append(run({ u"screenshot"_s, out.filePath(u"s.sqlite"_s), u"--out"_s, out.filePath(u"s.svg"_s) }, env));
        runs.append(run({ u"status"_s, ws, u"--json"_s }, env));
        runs.append(run({ u"status"_s, ws }, env));
        for (const PoolscopeRun& r : std::as_const(runs))
            QVERIFY2(r.exitCode == 0, r.err.constData());
        // The server did get them: the secrets were real.
        QVERIFY(server.heads().last().contains("X-Api-Key: HeaderValueSecret5"));
        QVERIFY(server.heads().last().contains("Authorization: Bearer EnvTokenSecret7"));

        int files = 0;
        for (const QString& dir : { out.path(), home.path() }) {
            QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString path = it.next();
                const QByteArray bytes = readAll(path);
                ++files;
                for (const QString& secret : secrets)
                    QVERIFY2(!bytes.contains(secret.toUtf8()), qPrintable(path + u" holds "_s + secret));
            }
        }
        QVERIFY(files >= 7);
        for (const PoolscopeRun& r : std::as_const(runs)) {
            for (const QString& secret : secrets) {
                QVERIFY2(!r.out.contains(secret.toUtf8()), r.out.constData());
                QVERIFY2(!r.err.contains(secret.toUtf8()), r.err.constData());
            }
        }
    }

    void passwordInConninfoIsRefused()
    {
        const QString path = file(u"pw.json"_s);
        const QByteArray json = "{\"version\":1,\"databases\":[{\"name\":\"db\",\"conninfo\":\"postgresql://"
                                "u@127.0.0.1/db?password=PwSecret8\"}]}";
        QVERIFY(writeAll(path, json));
        const PoolscopeRun run = this->run({ u"status"_s, path });
        QCOMPARE(run.exitCode, 3);
        QVERIFY2(run.err.contains("databases[0].conninfo: holds a password; use ~/.pgpass, a service file or "
                                  "PGPASSWORD"),
            run.err.constData());
        QVERIFY(!run.err.contains("PwSecret8"));
    }

    // Finding 5: configured headers never go to another origin; the redirect is a visible error.
    void redirectToAnotherOriginIsAnError()
    {
        HttpServer other;
        other.setRoute("/health", httpResponse(200, "OK", payload("/api/bets")));
        HttpServer server;
        server.setRoute(
            "/health", httpResponse(302, "Found", {}, "Location: " + other.url("/health").toUtf8() + "\r\n"));
        const QString ws = workspace(
            u"redirect-ws.json"_s, server.url("/health"), ",\"headers\":{\"Authorization\":\"Bearer xyz\"}");
        const PoolscopeRun run = this->run({ u"status"_s, ws, u"--json"_s });
        QCOMPARE(run.exitCode, 3);
        const QString error = QJsonDocument::fromJson(run.out)
                                  .object()
                                  .value(u"targets"_s)
                                  .toArray()
                                  .at(0)
                                  .toObject()
                                  .value(u"error"_s)
                                  .toString();
        QVERIFY2(error.contains(server.origin()) && error.contains(other.origin()), qPrintable(error));
        for (const QByteArray& head : other.heads())
            QVERIFY2(!head.toLower().contains("authorization"), head.constData());
    }

    // Findings 5 and 9: a redirect loop has its own message.
    void redirectLoopHasItsOwnMessage()
    {
        HttpServer server;
        server.setRoute("/loop", httpResponse(302, "Found", {}, "Location: /loop\r\n"));
        const QString ws = workspace(u"loop-ws.json"_s, server.url("/loop"));
        const PoolscopeRun run = this->run({ u"status"_s, ws });
        QCOMPARE(run.exitCode, 3);
        const QByteArray message = "redirect loop: more than 5 redirects from " + server.url("/loop").toUtf8();
        QVERIFY2(run.out.contains(message), run.out.constData());
    }

    // Finding 7: payload text never reaches the terminal with its control characters.
    void terminalOutputHasNoControlCharacters()
    {
        HttpServer server;
        server.setRoute("/health", httpResponse(200, "OK", payload("/api/x", "\"\\u001b]0;pwned\\u0007\\u001b[2J\"")));
        const QString ws = workspace(u"escape-ws.json"_s, server.url("/health"));
        const PoolscopeRun status = this->run({ u"status"_s, ws });
        QCOMPARE(status.exitCode, 3);
        QVERIFY2(status.out.contains("checked_out at /database/pool/checked_out"), status.out.constData());
        QVERIFY2(!status.out.contains('\x1b') && !status.out.contains('\x07'), status.out.constData());
        const PoolscopeRun json = this->run({ u"status"_s, ws, u"--json"_s });
        QVERIFY(QJsonDocument::fromJson(json.out).isObject());
        const PoolscopeRun explain = this->run({ u"explain"_s, ws, u"--watch"_s, u"1"_s });
        QVERIFY2(explain.out.contains("checked_out at /database/pool/checked_out"), explain.out.constData());
        QVERIFY2(!explain.out.contains('\x1b') && !explain.out.contains('\x07'), explain.out.constData());
    }

    // Finding 8: a signal that arrives while the process is still starting stops it cleanly. To send it at the
    // earliest moment without a race, poolscope is started with SIGTERM blocked (a blocked signal is inherited
    // and stays pending): it must unblock it with its handler installed, and then stop cleanly.
    void earlySignalStopsRecordCleanly()
    {
        const QString out = file(u"early.sqlite"_s);
        const PoolscopeRun run = runSignalledAtOnce({ u"record"_s, u"ws.json"_s, u"--out"_s, out });
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY2(run.err.contains("stopped (signal)"), run.err.constData());
        verifyCompleteRecording(out);
    }

    void earlySignalStopsWindowCleanly()
    {
        QTemporaryDir folder;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"POOLSCOPE_RECORDINGS_DIR"_s, folder.path());
        env.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
        const PoolscopeRun run = runSignalledAtOnce({ u"ws.json"_s }, env);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY2(run.err.contains("stopping on a signal"), run.err.constData());
        for (const QString& name : QDir(folder.path()).entryList(QDir::Files))
            verifyCompleteRecording(QDir(folder.path()).filePath(name));
    }

    // Finding 9: SIGINT during explain prints what it has and exits 4 (documented).
    void explainInterruptedPrintsWhatItHas()
    {
        const PoolscopeRun run = this->run({ u"explain"_s, u"ws.json"_s, u"--watch"_s, u"600"_s },
            QProcessEnvironment::systemEnvironment(), [](QProcess& p) {
                QTest::qWait(1500);
                ::kill(static_cast<pid_t>(p.processId()), SIGINT);
            });
        QCOMPARE(run.exitCode, 4);
        QVERIFY2(run.out.contains("web"), run.out.constData());
        QVERIFY2(run.err.contains("interrupted"), run.err.constData());
    }

    // Finding 9: negative and fractional counts are errors naming the pointer.
    void impossibleCountsAreErrors_data()
    {
        QTest::addColumn<QByteArray>("checkedOut");
        QTest::addRow("negative") << QByteArray("-3");
        QTest::addRow("fraction") << QByteArray("2.5");
        QTest::addRow("huge") << QByteArray("1e300");
    }
    void impossibleCountsAreErrors()
    {
        QFETCH(QByteArray, checkedOut);
        HttpServer server;
        server.setRoute("/health", httpResponse(200, "OK", payload("/api/x", checkedOut)));
        const PoolscopeRun run = this->run({ u"status"_s, workspace(u"count-ws.json"_s, server.url("/health")) });
        QCOMPARE(run.exitCode, 3);
        QVERIFY2(run.out.contains("checked_out at /database/pool/checked_out: expected a count"), run.out.constData());
    }

    // Finding 9: when the disk fills up, the message says so and what was kept, never "is complete". The disk
    // is a small tmpfs in a mount namespace of its own (unshare: no privileges needed), nearly full already.
    void fullDiskIsNotComplete()
    {
        // A recording grows by a few dozen bytes per poll of an unchanging target: 8 KiB free and a poll every
        // 0.1 s fill it in well under a minute.
        QTemporaryDir mount;
        const QString script = u"mount -t tmpfs -o size=1m tmpfs \"$1\" || exit 97\n"
                               "dd if=/dev/zero of=\"$1/filler\" bs=1k count=1016 2>/dev/null\n"
                               "exec \"$2\" record \"$3\" --out \"$1/full.psrec\" --duration 120"_s;
        const QString fast = file(u"fast-ws.json"_s);
        QVERIFY(writeAll(fast,
            "{\"version\":1,\"targets\":[{\"name\":\"web\",\"url\":\"" + m_server.url("/health").toUtf8()
                + "\",\"profile\":\"seed\",\"interval\":0.1}]}"));
        const PoolscopeRun run = this->run({ u"--user"_s, u"--map-root-user"_s, u"--mount"_s, u"sh"_s, u"-c"_s, script,
                                               u"sh"_s, mount.path(), poolscopeBinary(), fast },
            QProcessEnvironment::systemEnvironment(), {}, 150000, u"unshare"_s);
        QVERIFY2(run.exitCode != 97, "cannot mount a tmpfs in a user namespace (unshare -rm)");
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("the recording stopped because the disk is full;"), run.err.constData());
        QVERIFY2(run.err.contains("keeps what was committed before:"), run.err.constData());
        QVERIFY2(!run.err.contains("is complete"), run.err.constData());
    }

    // Finding 9: a NUL byte in a workspace key does not cut the message short.
    void nulInWorkspaceKeyIsEscaped()
    {
        const QString path = file(u"nul.json"_s);
        QVERIFY(writeAll(
            path, "{\"version\":1,\"targets\":[{\"name\":\"a\",\"url\":\"http://127.0.0.1:1/\",\"x\\u0000y\":1}]}"));
        const PoolscopeRun run = this->run({ u"status"_s, path });
        QCOMPARE(run.exitCode, 3);
        QVERIFY2(run.err.contains("targets[0].x\\u0000y: unknown field"), run.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestSafetyCli)
#include "tst_safetycli.moc"
