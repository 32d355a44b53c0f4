#pragma once

#include <QByteArray>
#include <QStringList>
#include <QStringView>

class QIODevice;

namespace poolscope {

// Writes RFC 4180 CSV to a device: UTF-8 without a BOM, CRLF line ends, and a field quoted (with its
// quotes doubled) when it holds a comma, a double quote, CR or LF. Every other field is written bare.
class CsvWriter
{
public:
    explicit CsvWriter(QIODevice* device);

    void writeRow(const QStringList& fields);
    // False once a write to the device failed (the device's errorString() says why).
    bool ok() const { return m_ok; }

    static QByteArray encodeField(QStringView field);
    static QByteArray encodeRow(const QStringList& fields); // with the CRLF

private:
    QIODevice* m_device = nullptr;
    bool m_ok = true;
};

} // namespace poolscope
