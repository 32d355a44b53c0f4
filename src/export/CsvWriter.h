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
    // A text cell a spreadsheet would evaluate as a formula (it starts with =, +, -, @, a tab or a CR)
    // prefixed with ' (OWASP's rule for CSV injection); any other text unchanged. Only for text that
    // comes from outside (payloads, databases): numbers PoolScope writes are never passed here.
    static QString neutralised(const QString& text);
    static QByteArray encodeRow(const QStringList& fields); // with the CRLF

private:
    QIODevice* m_device = nullptr;
    bool m_ok = true;
};

} // namespace poolscope
