#pragma once

// Walks a recording of format 2 record by record, decoding every item, so that tests can check what the
// Recorder wrote (the facts the SQLite tables of format 1 used to show).

#include "record/RecordingFormat.h"
#include "record/ReplayState.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>

namespace poolscope::test {

struct WalkedRecord
{
    recording::RecordType type = recording::RecordType::Meta;
    qint64 offset = 0;
    qint64 size = 0; // whole record, framing included
    QList<ReplayState::Item> items; // of a frame
};

struct WalkedRecording
{
    QByteArray bytes;
    QJsonObject meta;
    QList<WalkedRecord> records;
    QString error; // empty when every record read and decoded

    QList<WalkedRecord> frames() const
    {
        QList<WalkedRecord> result;
        for (const WalkedRecord& r : records) {
            if (r.type == recording::RecordType::Frame)
                result.append(r);
        }
        return result;
    }
    qsizetype count(recording::RecordType type) const
    {
        return std::count_if(
            records.cbegin(), records.cend(), [type](const WalkedRecord& r) { return r.type == type; });
    }
    qsizetype items(recording::ItemKind kind) const
    {
        qsizetype n = 0;
        for (const WalkedRecord& r : records) {
            n += std::count_if(
                r.items.cbegin(), r.items.cend(), [kind](const ReplayState::Item& i) { return i.kind == kind; });
        }
        return n;
    }
};

inline WalkedRecording walkRecording(const QString& path)
{
    WalkedRecording walked;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        walked.error = file.errorString();
        return walked;
    }
    walked.bytes = file.readAll();
    const auto* data = reinterpret_cast<const std::uint8_t*>(walked.bytes.constData());
    const auto size = static_cast<qint64>(walked.bytes.size());
    if (size < recording::kHeaderSize2 || !walked.bytes.startsWith(QByteArray(recording::kMagic2, 8))) {
        walked.error = QStringLiteral("no format 2 header");
        return walked;
    }
    ReplayState state;
    qint64 at = recording::kHeaderSize2;
    while (at < size) {
        ByteReader head(data + at, static_cast<std::size_t>(size - at));
        std::uint32_t length = 0;
        for (int i = 0; i < 4; ++i)
            length |= static_cast<std::uint32_t>(head.u8()) << (8 * i);
        const qint64 total = recording::kRecordOverhead + static_cast<qint64>(length);
        if (!head.ok() || at + total > size) {
            walked.error = QStringLiteral("record at byte %1 cut short").arg(at);
            return walked;
        }
        WalkedRecord record;
        record.type = static_cast<recording::RecordType>(data[at + 4]);
        record.offset = at;
        record.size = total;
        const std::uint8_t* payload = data + at + 5;
        std::uint32_t crc = 0;
        for (int i = 0; i < 4; ++i)
            crc |= static_cast<std::uint32_t>(data[at + 5 + length + i]) << (8 * i);
        if (crc != recording::crc32(data + at + 4, length + 1)) {
            walked.error = QStringLiteral("record at byte %1: checksum mismatch").arg(at);
            return walked;
        }
        if (record.type == recording::RecordType::Meta) {
            walked.meta = QJsonDocument::fromJson(QByteArray(reinterpret_cast<const char*>(payload), length)).object();
        } else if (record.type == recording::RecordType::Keyframe) {
            QString why;
            if (!state.restoreKeyframe(payload, length, &why)) {
                walked.error = why;
                return walked;
            }
        } else if (record.type == recording::RecordType::Frame) {
            ByteReader in(payload + 16, length - 16);
            qint64 minMs = 0;
            for (int i = 0; i < 8; ++i)
                minMs |= static_cast<qint64>(payload[i]) << (8 * i);
            state.beginItems(minMs);
            recording::ItemKind kind {};
            qint64 ts = 0;
            while (state.readItemHead(in, &kind, &ts)) {
                ReplayState::Item item;
                if (!state.decodeItem(in, kind, ts, &item)) {
                    walked.error = QStringLiteral("frame at byte %1 cannot be decoded").arg(at);
                    return walked;
                }
                record.items.append(item);
            }
        }
        walked.records.append(record);
        at += total;
    }
    return walked;
}

} // namespace poolscope::test
