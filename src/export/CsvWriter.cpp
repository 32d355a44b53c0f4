#include "CsvWriter.h"

#include <QIODevice>

namespace poolscope {

CsvWriter::CsvWriter(QIODevice* device)
    : m_device(device)
{ }

QByteArray CsvWriter::encodeField(QStringView field)
{
    const QByteArray utf8 = field.toUtf8();
    bool quote = false;
    for (const char c : utf8) {
        if (c == ',' || c == '"' || c == '\r' || c == '\n') {
            quote = true;
            break;
        }
    }
    if (!quote)
        return utf8;
    QByteArray out;
    out.reserve(utf8.size() + 2);
    out.append('"');
    for (const char c : utf8) {
        if (c == '"')
            out.append('"');
        out.append(c);
    }
    out.append('"');
    return out;
}

QString CsvWriter::neutralised(const QString& text)
{
    if (text.isEmpty())
        return text;
    const QChar first = text.front();
    if (first == u'=' || first == u'+' || first == u'-' || first == u'@' || first == u'\t' || first == u'\r')
        return u'\'' + text;
    return text;
}

QByteArray CsvWriter::encodeRow(const QStringList& fields)
{
    QByteArray line;
    for (qsizetype i = 0; i < fields.size(); ++i) {
        if (i > 0)
            line.append(',');
        line.append(encodeField(fields.at(i)));
    }
    line.append("\r\n");
    return line;
}

void CsvWriter::writeRow(const QStringList& fields)
{
    if (!m_ok || !m_device)
        return;
    const QByteArray line = encodeRow(fields);
    if (m_device->write(line) != line.size())
        m_ok = false;
}

} // namespace poolscope
