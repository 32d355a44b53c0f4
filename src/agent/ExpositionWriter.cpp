#include "ExpositionWriter.h"

#include <QLocale>

#include <cmath>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

QByteArray escaped(const QString& text, bool quotes)
{
    QByteArray out;
    const QByteArray utf8 = text.toUtf8();
    out.reserve(utf8.size());
    for (const char c : utf8) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '"' && quotes)
            out += "\\\"";
        else
            out += c;
    }
    return out;
}

} // namespace

ExpositionWriter::ExpositionWriter(Format format)
    : m_format(format)
{
    m_out.reserve(64 * 1024);
}

void ExpositionWriter::family(const QString& name, Type type, const QString& help)
{
    m_name = name;
    m_sampleName = name.toUtf8();
    if (type == Type::Counter)
        m_sampleName += "_total";
    else if (type == Type::Info)
        m_sampleName += "_info";
    m_type = type;
    m_help = help;
    m_headerWritten = false;
}

void ExpositionWriter::flushHeader()
{
    if (m_headerWritten)
        return;
    m_headerWritten = true;
    const bool om = m_format == Format::OpenMetrics;
    QString typeName;
    QString declared = m_name;
    switch (m_type) {
    case Type::Gauge:
        typeName = u"gauge"_s;
        break;
    case Type::Counter:
        typeName = u"counter"_s;
        if (!om)
            declared += u"_total"_s;
        break;
    case Type::Summary:
        typeName = u"summary"_s;
        break;
    case Type::Info:
        typeName = om ? u"info"_s : u"gauge"_s;
        if (!om)
            declared += u"_info"_s;
        break;
    }
    const QByteArray name = declared.toUtf8();
    m_out += "# HELP " + name + ' ' + escaped(m_help, om) + '\n';
    m_out += "# TYPE " + name + ' ' + typeName.toLatin1() + '\n';
}

void ExpositionWriter::sample(const Labels& labels, double value, const char* suffix)
{
    sample(renderLabels(labels), value, suffix);
}

void ExpositionWriter::sample(QByteArrayView renderedLabels, double value, const char* suffix)
{
    flushHeader();
    m_out += m_sampleName;
    m_out += suffix;
    if (!renderedLabels.isEmpty()) {
        m_out += '{';
        m_out += renderedLabels;
        m_out += '}';
    }
    m_out += ' ';
    m_out += formatValue(value);
    m_out += '\n';
}

QByteArray ExpositionWriter::renderLabels(const Labels& labels)
{
    QByteArray out;
    for (const auto& [key, text] : labels) {
        if (!out.isEmpty())
            out += ',';
        out += key.toUtf8();
        out += "=\"";
        out += escaped(text, true);
        out += '"';
    }
    return out;
}

QByteArray ExpositionWriter::finish()
{
    if (m_format == Format::OpenMetrics)
        m_out += "# EOF\n";
    return std::exchange(m_out, {});
}

QByteArray ExpositionWriter::formatValue(double value)
{
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "+Inf" : "-Inf";
    if (value == std::floor(value) && std::fabs(value) < 1e15)
        return QByteArray::number(static_cast<qint64>(value));
    return QByteArray::number(value, 'g', QLocale::FloatingPointShortest);
}

QByteArray ExpositionWriter::contentType(Format format)
{
    return format == Format::OpenMetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                         : "text/plain; version=0.0.4; charset=utf-8";
}

ExpositionWriter::Format ExpositionWriter::negotiate(const QByteArray& accept)
{
    for (const QByteArray& range : accept.split(',')) {
        const QList<QByteArray> parts = range.split(';');
        if (parts.first().trimmed().toLower() != "application/openmetrics-text")
            continue;
        double q = 1;
        for (qsizetype i = 1; i < parts.size(); ++i) {
            const QByteArray p = parts.at(i).trimmed();
            if (p.startsWith("q="))
                q = p.mid(2).toDouble();
        }
        if (q > 0)
            return Format::OpenMetrics;
    }
    return Format::Prometheus;
}

} // namespace poolscope
