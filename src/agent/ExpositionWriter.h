#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>
#include <QString>

namespace poolscope {

// Writes a Prometheus text exposition (format 0.0.4) or OpenMetrics 1.0.0 text, one metric family at a time.
//
// A family is named without its type's suffix ("poolscope_target_poll_errors" for a counter whose samples are
// "..._total", "poolscope_agent" for an info whose sample is "poolscope_agent_info"); the writer spells the
// `# TYPE`/`# HELP` name as each format wants it (0.0.4: the sample's own name, and an info is a gauge) and
// escapes HELP text and label values per the format. Samples must follow the family they belong to.
class ExpositionWriter
{
public:
    enum class Format { Prometheus, OpenMetrics };
    enum class Type { Gauge, Counter, Summary, Info };
    using Labels = QList<QPair<QString, QString>>;

    explicit ExpositionWriter(Format format);

    // Starts a family. Families without a sample are left out.
    void family(const QString& name, Type type, const QString& help);
    // A sample of the current family: a counter's value gets "_total", an info's "_info"; a summary's
    // part is given as suffix ("_sum", "_count"). Values may be NaN or infinite.
    void sample(const Labels& labels, double value, const char* suffix = "");
    // The same with labels already rendered by renderLabels() (what a series of many families shares).
    void sample(QByteArrayView renderedLabels, double value, const char* suffix = "");
    // `a="x",b="y"`: names as they are, values escaped; without the braces.
    static QByteArray renderLabels(const Labels& labels);

    // The text written so far, ended with "# EOF" in OpenMetrics.
    QByteArray finish();

    static QByteArray contentType(Format format);
    // OpenMetrics when the Accept header lists application/openmetrics-text (with a q above 0), else 0.0.4.
    static Format negotiate(const QByteArray& accept);
    static QByteArray formatValue(double value);

private:
    void flushHeader();

    Format m_format;
    QByteArray m_out;
    QString m_name;
    QByteArray m_sampleName; // m_name with the type's suffix
    Type m_type = Type::Gauge;
    QString m_help;
    bool m_headerWritten = true;
};

} // namespace poolscope
