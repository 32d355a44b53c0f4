#pragma once

#include <QByteArrayView>
#include <QHash>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <limits>

namespace poolscope {

// One sample line of a Prometheus text exposition: `name{label="value",...} value [timestamp]`.
struct ExpositionSample
{
    static constexpr qint64 kNoTimestamp = std::numeric_limits<qint64>::min();

    QString name; // the sample's own name: "x_total", "x_bucket", ... (see Exposition::familyOf)
    QList<QPair<QString, QString>> labels; // as written, unescaped
    double value = 0; // NaN and ±Inf are valid values
    qint64 timestampMs = kNoTimestamp;
    int line = 0; // 1-based line in the body

    // The value of a label, or a null QString when the sample has no such label.
    QString label(QStringView labelName) const;
    // `name{a="x",b="y"}` with the labels sorted by name and values escaped: one spelling per series.
    QString seriesKey() const;
};

// A metric family's metadata from `# TYPE`, `# HELP` and (OpenMetrics) `# UNIT` lines.
struct ExpositionFamily
{
    QString name;
    QString type = QStringLiteral("untyped"); // counter, gauge, histogram, summary, untyped, unknown, info, ...
    QString help;
    QString unit;
};

// A parsed Prometheus text exposition (format 0.0.4) or OpenMetrics 1.0 text.
//
// Parsing stops at the first syntax error: `error` names the line and what is wrong there, and the
// samples read before it are kept. Exemplars (OpenMetrics) are ignored. A series written twice keeps its
// first sample and adds a warning naming both lines. No line may exceed kMaxLineBytes.
class Exposition
{
public:
    enum class Format { Prometheus, OpenMetrics };
    static constexpr qsizetype kMaxLineBytes = 1024 * 1024;

    // Chooses the format from a Content-Type ("application/openmetrics-text; ..." is OpenMetrics,
    // "text/plain; version=0.0.4" Prometheus) and, when that says nothing, from the body (a "# EOF" last
    // line means OpenMetrics).
    static Format sniffFormat(QByteArrayView contentType, QByteArrayView body);
    // Whether a body looks like exposition text rather than JSON: its first non-blank character is not
    // '{' or '[' and its first line is a comment or a sample line.
    static bool looksLikeExposition(QByteArrayView body);

    static Exposition parse(QByteArrayView text, Format format = Format::Prometheus);

    Format format = Format::Prometheus;
    QList<ExpositionSample> samples;
    QHash<QString, ExpositionFamily> families; // by family name, only those with metadata lines
    QStringList warnings;
    QString error; // empty when the whole body parsed

    bool ok() const { return error.isEmpty(); }
    // The family a sample name belongs to: the name itself when it has metadata, else the name without
    // its _total, _created, _count, _sum, _bucket or _info suffix when that family is declared.
    QString familyOf(const QString& sampleName) const;
    // Every family name seen, in the order first met (declared ones and bare sample names).
    QStringList familyNames() const;
};

} // namespace poolscope
