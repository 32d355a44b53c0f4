#pragma once

// Telling a recording by its first bytes, never by its name: for the reader, the command line and the guard that
// refuses to write over a recording (cli/OutputPath.h).

#include "RecordingFormat.h"

#include <QByteArrayView>
#include <QFile>
#include <QLatin1String>
#include <QString>

namespace poolscope::recording {

// How many bytes formatOfHead() needs.
inline constexpr qsizetype kHeadBytes = 16;

// 2 for a format-2 file (kMagic2), 1 for a SQLite file (format 1 is the only SQLite file PoolScope writes; the
// reader then checks its application_id), 0 for anything else.
inline int formatOfHead(QByteArrayView head)
{
    if (head.startsWith(QByteArrayView(kMagic2, sizeof kMagic2)))
        return kFormatVersion2;
    if (head.startsWith(QByteArrayView("SQLite format 3\0", 16)))
        return kFormatVersion;
    return 0;
}

// formatOfHead() of the file's first bytes; 0 when it cannot be read.
inline int formatOfFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? formatOfHead(file.read(kHeadBytes)) : 0;
}

// The suffix of the recordings PoolScope writes (format 2), and the one format-1 recordings were given.
inline const QLatin1String kSuffix { ".psrec" };
inline const QLatin1String kSuffixFormat1 { ".sqlite" };

} // namespace poolscope::recording
