// The one check every command makes on an output path before writing (cli/OutputPath.h).
#include "cli/OutputPath.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace poolscope;

namespace {

bool writeAll(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

} // namespace

class TestOutputPath : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString path(const QString& name) const { return m_dir.filePath(name); }

private Q_SLOTS:
    void sniffsByContent_data()
    {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<int>("kind");
        QTest::addRow("empty") << QByteArray() << int(FileKind::Empty);
        QTest::addRow("sqlite") << QByteArray("SQLite format 3\0\x10\0", 19) << int(FileKind::Recording);
        QTest::addRow("recording, format 2")
            << QByteArray("PSREC\r\n\x1a\x02\0\0\0\0\0\0\0", 16) << int(FileKind::Recording);
        QTest::addRow("png") << QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) << int(FileKind::Image);
        QTest::addRow("jpeg") << QByteArray("\xff\xd8\xff\xe0") << int(FileKind::Image);
        QTest::addRow("svg") << QByteArray("<?xml version=\"1.0\"?>\n<svg width=\"3\">") << int(FileKind::Svg);
        QTest::addRow("bare svg") << QByteArray("<svg xmlns=\"http://www.w3.org/2000/svg\"/>") << int(FileKind::Svg);
        QTest::addRow("csv") << QByteArray("timestamp,target\r\n") << int(FileKind::Csv);
        QTest::addRow("text") << QByteArray("my notes\nsecond line, with a comma\n") << int(FileKind::Text);
        QTest::addRow("binary") << QByteArray("\x7f"
                                              "ELF\x02\x01\x01\0",
            8) << int(FileKind::Other);
        QTest::addRow("latin-1") << QByteArray("caf\xe9\n") << int(FileKind::Other);
    }
    void sniffsByContent()
    {
        QFETCH(QByteArray, head);
        QFETCH(int, kind);
        QCOMPARE(int(sniffBytes(head)), kind);
    }

    void checks_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("existing"); // null: no file
        QTest::addColumn<int>("writing");
        QTest::addColumn<bool>("force");
        QTest::addColumn<QString>("problem"); // empty: allowed

        const QByteArray sqlite("SQLite format 3\0rest", 20);
        const auto image = int(FileKind::Image);
        const auto csv = int(FileKind::Csv);
        QTest::addRow("new file") << u"new.png"_s << QByteArray() << image << false << QString();
        QTest::addRow("empty file") << u"empty.png"_s << QByteArray("") << image << false << QString();
        QTest::addRow("png over png") << u"old.png"_s << QByteArray("\x89PNG\r\n\x1a\n") << image << false << QString();
        QTest::addRow("csv over csv") << u"old.csv"_s << QByteArray("a,b\r\n") << csv << false << QString();
        QTest::addRow("png over notes")
            << u"notes.txt"_s << QByteArray("notes\n") << image << false
            << u"--out %1: holds text, not a PNG image; refusing to replace it (--force replaces it)"_s;
        QTest::addRow("png over notes, forced")
            << u"notes2.txt"_s << QByteArray("notes\n") << image << true << QString();
        QTest::addRow("csv over a recording, even forced")
            << u"other.sqlite"_s << sqlite << csv << true
            << u"--out %1: holds a PoolScope recording, not CSV; a recording is never replaced by an export "
               u"or a screenshot"_s;
        QTest::addRow("recording over anything")
            << u"x.sqlite"_s << QByteArray("a,b\r\n") << int(FileKind::Recording) << true
            << u"--out %1: already exists and holds CSV; a recording is never appended to or overwritten. Choose a "
               u"new file name."_s;
        QTest::addRow("no folder") << u"missing/x.png"_s << QByteArray() << image << false
                                   << u"--out %1: cannot write: the folder %2 does not exist"_s;
    }
    void checks()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, existing);
        QFETCH(int, writing);
        QFETCH(bool, force);
        QFETCH(QString, problem);
        const QString out = path(name);
        if (!existing.isNull())
            QVERIFY(writeAll(out, existing));
        const QString expected
            = problem.isEmpty() ? QString() : problem.arg(out, QDir::toNativeSeparators(QFileInfo(out).path()));
        QCOMPARE(checkOutputPath(u"--out"_s, out, FileKind(writing), {}, force), expected);
    }

    void neverTheInput()
    {
        const QString input = path(u"in.sqlite"_s);
        QVERIFY(writeAll(input, QByteArray("SQLite format 3\0rest", 20)));
        const QString message = u"--out %1: is the recording being read; choose another file"_s;
        QCOMPARE(checkOutputPath(u"--out"_s, input, FileKind::Csv, { input }, true), message.arg(input));
        // The same file under another name: a relative path, a symbolic link, a hard link.
        const QString relative = QDir::current().relativeFilePath(input);
        QCOMPARE(checkOutputPath(u"--out"_s, relative, FileKind::Image, { input }, true), message.arg(relative));
        const QString symlink = path(u"link.png"_s);
        QVERIFY(QFile::link(input, symlink));
        QCOMPARE(checkOutputPath(u"--out"_s, symlink, FileKind::Image, { input }, true), message.arg(symlink));
        const QString hardlink = path(u"hard.csv"_s);
        QCOMPARE(::link(QFile::encodeName(input).constData(), QFile::encodeName(hardlink).constData()), 0);
        QCOMPARE(checkOutputPath(u"--out"_s, hardlink, FileKind::Csv, { input }, true), message.arg(hardlink));
        // Its WAL is part of it, even before it exists.
        QCOMPARE(checkOutputPath(u"--out"_s, input + u"-wal"_s, FileKind::Csv, { input }, true),
            u"--out %1-wal: belongs to the recording being read; choose another file"_s.arg(input));
        // A workspace read is an input too.
        const QString workspace = path(u"ws.json"_s);
        QVERIFY(writeAll(workspace, "{\"version\": 1}"));
        QCOMPARE(checkOutputPath(u"--out"_s, workspace, FileKind::Image, { workspace }, true),
            u"--out %1: is a file this command reads; choose another file"_s.arg(workspace));
    }

    void screenshotKindBySuffix()
    {
        QCOMPARE(screenshotKind(u"a.png"_s), FileKind::Image);
        QCOMPARE(screenshotKind(u"a.PNG"_s), FileKind::Image);
        QCOMPARE(screenshotKind(u"a.svg"_s), FileKind::Svg);
        QCOMPARE(screenshotKind(u"a.SVG"_s), FileKind::Svg);
        QCOMPARE(screenshotKind(u"a.sqlite"_s), FileKind::Image); // then refused: it holds a recording
        QCOMPARE(screenshotKind(u"a"_s), FileKind::Image);
    }
};

QTEST_GUILESS_MAIN(TestOutputPath)
#include "tst_outputpath.moc"
