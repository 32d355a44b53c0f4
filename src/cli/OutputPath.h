#pragma once

#include <QString>
#include <QStringList>

class QByteArray;

namespace poolscope {

// What a file holds, decided by its first bytes (never by its name).
enum class FileKind {
    Missing, // no file there
    Empty, // a file of 0 bytes
    Recording, // a PoolScope recording, format 2, or any SQLite file (format 1): record/RecordingFile.h
    Image, // PNG, JPEG, GIF, BMP, WebP
    Svg, // XML text with an <svg element
    Csv, // text whose first line has a comma
    Text, // other UTF-8 text
    Other, // anything else
};

FileKind sniffFileKind(const QString& path);
FileKind sniffBytes(const QByteArray& head);
// "a PoolScope recording", "a PNG image", ... for messages.
QString fileKindName(FileKind kind);

// The one check every command makes on an output path before anything is written. Empty when the
// path may be written; otherwise a message naming the option and the path, e.g.
//   "--out rec.sqlite: is the recording being read; choose another file"
//   "--out notes.txt: holds text, not a PNG image; refusing to replace it (--force replaces it)"
//   "--out dir/shot.png: cannot write: the folder dir does not exist"
// `writing` is the kind about to be written (Recording, Image, Svg or Csv); `inputs` are the files the
// command reads (a recording, a workspace): the output is never one of them, nor a SQLite companion of
// one (-wal, -shm, -journal), whatever --force says. An existing file of another kind is replaced only
// with `force`; a non-empty recording is never replaced.
QString checkOutputPath(
    const QString& option, const QString& path, FileKind writing, const QStringList& inputs, bool force);

// The kind a screenshot path asks for by its suffix: Svg for .svg, else Image (a PNG is written).
FileKind screenshotKind(const QString& path);

} // namespace poolscope
