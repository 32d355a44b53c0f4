#include "OutputPath.h"

#include "record/RecordingFile.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStringDecoder>

#include <sys/stat.h>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

constexpr qint64 kSniffBytes = 4096;

bool startsWith(const QByteArray& head, const char* magic, qsizetype size)
{
    return head.size() >= size && head.left(size) == QByteArray(magic, size);
}

// Same device and inode: the same file under any name (symbolic or hard links included).
bool sameFile(const QString& a, const QString& b)
{
    struct stat sa = {};
    struct stat sb = {};
    if (::stat(QFile::encodeName(a).constData(), &sa) != 0 || ::stat(QFile::encodeName(b).constData(), &sb) != 0)
        return QFileInfo(a).absoluteFilePath() == QFileInfo(b).absoluteFilePath();
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

} // namespace

FileKind sniffBytes(const QByteArray& head)
{
    if (head.isEmpty())
        return FileKind::Empty;
    if (recording::formatOfHead(head) != 0)
        return FileKind::Recording;
    if (startsWith(head, "\x89PNG\r\n\x1a\n", 8) || startsWith(head, "\xff\xd8\xff", 3) || startsWith(head, "GIF8", 4)
        || startsWith(head, "BM", 2) || (startsWith(head, "RIFF", 4) && head.mid(8, 4) == "WEBP"))
        return FileKind::Image;
    if (head.contains('\0'))
        return FileKind::Other;
    QStringDecoder decoder(QStringDecoder::Utf8);
    // A multi-byte character may be cut at the end of the head: judge all but the last 3 bytes.
    const QString text = decoder(head.size() > 3 && head.size() == kSniffBytes ? head.chopped(3) : head);
    if (decoder.hasError())
        return FileKind::Other;
    const QString start = text.trimmed().left(512);
    if (text.contains(u"<svg"_s)
        && (start.startsWith(u"<?xml"_s) || start.startsWith(u"<svg"_s) || start.startsWith(u"<!DOCTYPE svg"_s)))
        return FileKind::Svg;
    const qsizetype lineEnd = text.indexOf(u'\n');
    if (text.left(lineEnd < 0 ? text.size() : lineEnd).contains(u','))
        return FileKind::Csv;
    return FileKind::Text;
}

FileKind sniffFileKind(const QString& path)
{
    QFile file(path);
    if (!file.exists())
        return FileKind::Missing;
    if (!file.open(QIODevice::ReadOnly))
        return FileKind::Other;
    return sniffBytes(file.read(kSniffBytes));
}

QString fileKindName(FileKind kind)
{
    switch (kind) {
    case FileKind::Missing:
        return u"nothing"_s;
    case FileKind::Empty:
        return u"an empty file"_s;
    case FileKind::Recording:
        return u"a PoolScope recording"_s;
    case FileKind::Image:
        return u"a PNG image"_s;
    case FileKind::Svg:
        return u"an SVG image"_s;
    case FileKind::Csv:
        return u"CSV"_s;
    case FileKind::Text:
        return u"text"_s;
    case FileKind::Other:
        break;
    }
    return u"data of another kind"_s;
}

FileKind screenshotKind(const QString& path)
{
    return QFileInfo(path).suffix().compare(u"svg"_s, Qt::CaseInsensitive) == 0 ? FileKind::Svg : FileKind::Image;
}

QString checkOutputPath(
    const QString& option, const QString& path, FileKind writing, const QStringList& inputs, bool force)
{
    const QString place = option + u' ' + path + u": "_s;
    if (path.isEmpty())
        return option + u": needs a file name"_s;
    const QFileInfo info(path);
    for (const QString& input : inputs) {
        if (input.isEmpty())
            continue;
        const QString what = sniffFileKind(input) == FileKind::Recording ? u"the recording being read"_s
                                                                         : u"a file this command reads"_s;
        if (info.exists() && sameFile(path, input))
            return place + u"is "_s + what + u"; choose another file"_s;
        const QString inputPath = QFileInfo(input).absoluteFilePath();
        for (const QString& companion : { u"-wal"_s, u"-shm"_s, u"-journal"_s }) {
            if (info.absoluteFilePath() == inputPath + companion)
                return place + u"belongs to "_s + what + u"; choose another file"_s;
        }
    }
    if (info.isDir())
        return place + u"cannot write: it is a folder"_s;
    const QFileInfo folder(info.absolutePath());
    if (!folder.exists())
        return place + u"cannot write: the folder "_s + QDir::toNativeSeparators(info.path()) + u" does not exist"_s;
    if (!folder.isDir())
        return place + u"cannot write: "_s + QDir::toNativeSeparators(info.path()) + u" is not a folder"_s;
    if (!folder.isWritable())
        return place + u"cannot write: no permission to write in the folder "_s + QDir::toNativeSeparators(info.path());
    if (!info.exists())
        return {};
    if (!info.isFile())
        return place + u"cannot write: it is not a regular file"_s;
    const FileKind found = sniffFileKind(path);
    if (found == FileKind::Empty || found == FileKind::Missing)
        return {};
    if (writing == FileKind::Recording)
        return place
            + u"already exists and holds %1; a recording is never appended to or overwritten. Choose a new file name."_s
                  .arg(fileKindName(found));
    if (found == FileKind::Recording)
        return place
            + u"holds %1, not %2; a recording is never replaced by an export or a screenshot"_s.arg(
                fileKindName(found), fileKindName(writing));
    if (found != writing && !force)
        return place
            + u"holds %1, not %2; refusing to replace it (--force replaces it)"_s.arg(
                fileKindName(found), fileKindName(writing));
    return {};
}

} // namespace poolscope
