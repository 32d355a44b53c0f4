#include "Exposition.h"

#include <QSet>

#include <algorithm>
#include <cmath>
#include <optional>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

bool isNameStart(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

bool isNameChar(char c)
{
    return isNameStart(c) || (c >= '0' && c <= '9');
}

bool isLabelNameStart(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool isLabelNameChar(char c)
{
    return isLabelNameStart(c) || (c >= '0' && c <= '9');
}

bool isBlank(char c)
{
    return c == ' ' || c == '\t';
}

// A short, printable excerpt of a line for error messages: control characters become '?'.
QString excerpt(QByteArrayView line)
{
    constexpr qsizetype kMax = 60;
    QString text = QString::fromUtf8(line.first(std::min(line.size(), kMax)));
    for (QChar& c : text) {
        if (c.category() == QChar::Other_Control)
            c = u'?';
    }
    if (line.size() > kMax)
        text += u'…';
    return text;
}

QString escapeLabelValue(const QString& value)
{
    QString out;
    out.reserve(value.size());
    for (QChar c : value) {
        if (c == u'\\')
            out += u"\\\\"_s;
        else if (c == u'"')
            out += u"\\\""_s;
        else if (c == u'\n')
            out += u"\\n"_s;
        else
            out += c;
    }
    return out;
}

std::optional<double> parseFloat(QByteArrayView token)
{
    if (token.isEmpty())
        return std::nullopt;
    QByteArrayView body = token;
    double sign = 1;
    if (body.front() == '+' || body.front() == '-') {
        sign = body.front() == '-' ? -1 : 1;
        body = body.sliced(1);
    }
    const QByteArray lower = body.toByteArray().toLower();
    if (lower == "inf" || lower == "infinity")
        return sign * std::numeric_limits<double>::infinity();
    if (lower == "nan")
        return std::numeric_limits<double>::quiet_NaN();
    // Digits, one dot, an exponent: what Go's ParseFloat accepts in decimal (no hex, no separators).
    for (char c : token) {
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
            return std::nullopt;
    }
    bool ok = false;
    const double v = token.toByteArray().toDouble(&ok);
    return ok ? std::optional<double>(v) : std::nullopt;
}

// Reads one line of the exposition; `fail` records the first error.
class LineParser
{
public:
    LineParser(QByteArrayView line, int lineNumber, Exposition::Format format)
        : m_line(line)
        , m_number(lineNumber)
        , m_format(format)
    { }

    QString error() const { return m_error; }

    std::optional<ExpositionSample> sample()
    {
        ExpositionSample s;
        s.line = m_number;
        s.name = name();
        if (s.name.isEmpty())
            return fail(u"expected a metric name"_s);
        bool spaced = skipBlanks();
        if (!atEnd() && peek() == '{') {
            ++m_pos;
            if (!labels(s))
                return std::nullopt;
            spaced = skipBlanks();
        }
        if (!spaced || atEnd())
            return fail(u"expected a space and a value after %1"_s.arg(s.name));
        const QByteArrayView valueToken = token();
        const std::optional<double> value = parseFloat(valueToken);
        if (!value)
            return fail(u"'%1' is not a number"_s.arg(excerpt(valueToken)));
        s.value = *value;
        skipBlanks();
        if (atEnd())
            return s;
        if (peek() == '#') {
            if (m_format == Exposition::Format::OpenMetrics)
                return s; // an exemplar: ignored
            return fail(u"unexpected '#' after the value"_s);
        }
        const QByteArrayView timestampToken = token();
        if (!timestamp(timestampToken, s))
            return std::nullopt;
        skipBlanks();
        if (!atEnd() && !(peek() == '#' && m_format == Exposition::Format::OpenMetrics))
            return fail(u"unexpected text after the timestamp: '%1'"_s.arg(excerpt(m_line.sliced(m_pos))));
        return s;
    }

    QString name()
    {
        const qsizetype start = m_pos;
        if (atEnd() || !isNameStart(peek()))
            return {};
        while (!atEnd() && isNameChar(peek()))
            ++m_pos;
        return QString::fromLatin1(m_line.sliced(start, m_pos - start));
    }

    bool skipBlanks()
    {
        const qsizetype start = m_pos;
        while (!atEnd() && isBlank(peek()))
            ++m_pos;
        return m_pos > start;
    }

    QByteArrayView token()
    {
        const qsizetype start = m_pos;
        while (!atEnd() && !isBlank(peek()))
            ++m_pos;
        return m_line.sliced(start, m_pos - start);
    }

    QByteArrayView rest() const { return m_line.sliced(m_pos); }

private:
    bool atEnd() const { return m_pos >= m_line.size(); }
    char peek() const { return m_line.at(m_pos); }

    std::nullopt_t fail(const QString& message)
    {
        if (m_error.isEmpty())
            m_error = message;
        return std::nullopt;
    }

    bool failed(const QString& message)
    {
        fail(message);
        return false;
    }

    bool labels(ExpositionSample& s)
    {
        QSet<QString> seen;
        while (true) {
            skipBlanks();
            if (atEnd())
                return failed(u"unterminated label set"_s);
            if (peek() == '}') {
                ++m_pos;
                return true;
            }
            const qsizetype start = m_pos;
            if (!isLabelNameStart(peek()))
                return failed(u"expected a label name at '%1'"_s.arg(excerpt(m_line.sliced(m_pos))));
            while (!atEnd() && isLabelNameChar(peek()))
                ++m_pos;
            const QString labelName = QString::fromLatin1(m_line.sliced(start, m_pos - start));
            skipBlanks();
            if (atEnd() || peek() != '=')
                return failed(u"expected '=' after label %1"_s.arg(labelName));
            ++m_pos;
            skipBlanks();
            if (atEnd() || peek() != '"')
                return failed(u"expected a quoted value for label %1"_s.arg(labelName));
            ++m_pos;
            QByteArray value;
            bool closed = false;
            while (!atEnd()) {
                const char c = peek();
                ++m_pos;
                if (c == '"') {
                    closed = true;
                    break;
                }
                if (c == '\\' && !atEnd()) {
                    const char e = peek();
                    ++m_pos;
                    if (e == 'n')
                        value += '\n';
                    else if (e == '\\' || e == '"')
                        value += e;
                    else {
                        value += '\\';
                        value += e;
                    }
                    continue;
                }
                value += c;
            }
            if (!closed)
                return failed(u"unterminated value of label %1"_s.arg(labelName));
            if (seen.contains(labelName))
                return failed(u"label %1 appears twice"_s.arg(labelName));
            seen.insert(labelName);
            s.labels.append({ labelName, QString::fromUtf8(value) });
            skipBlanks();
            if (atEnd())
                return failed(u"unterminated label set"_s);
            if (peek() == ',') {
                ++m_pos; // a trailing comma before '}' is valid (Micrometer writes one)
                continue;
            }
            if (peek() != '}')
                return failed(u"expected ',' or '}' after label %1"_s.arg(labelName));
        }
    }

    bool timestamp(QByteArrayView token, ExpositionSample& s)
    {
        if (m_format == Exposition::Format::OpenMetrics) {
            const std::optional<double> seconds = parseFloat(token);
            if (!seconds || !std::isfinite(*seconds) || std::abs(*seconds) > 9.2e15)
                return failed(u"'%1' is not a timestamp in seconds"_s.arg(excerpt(token)));
            s.timestampMs = static_cast<qint64>(std::llround(*seconds * 1000));
            return true;
        }
        bool ok = false;
        const qint64 ms = token.toByteArray().toLongLong(&ok);
        if (!ok)
            return failed(u"'%1' is not a timestamp in milliseconds"_s.arg(excerpt(token)));
        s.timestampMs = ms;
        return true;
    }

    QByteArrayView m_line;
    qsizetype m_pos = 0;
    int m_number = 0;
    Exposition::Format m_format;
    QString m_error;
};

const QStringList& familySuffixes()
{
    static const QStringList suffixes { u"_total"_s, u"_created"_s, u"_count"_s, u"_sum"_s, u"_bucket"_s, u"_info"_s };
    return suffixes;
}

} // namespace

QString ExpositionSample::label(QStringView labelName) const
{
    for (const auto& [key, labelValue] : labels) {
        if (key == labelName)
            return labelValue;
    }
    return {};
}

QString ExpositionSample::seriesKey() const
{
    QList<QPair<QString, QString>> sorted = labels;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    QString key = name + u'{';
    for (qsizetype i = 0; i < sorted.size(); ++i) {
        if (i > 0)
            key += u',';
        key += sorted[i].first + u"=\""_s + escapeLabelValue(sorted[i].second) + u'"';
    }
    return key + u'}';
}

Exposition::Format Exposition::sniffFormat(QByteArrayView contentType, QByteArrayView body)
{
    const QByteArray type = contentType.toByteArray().trimmed().toLower();
    if (type.startsWith("application/openmetrics-text"))
        return Format::OpenMetrics;
    if (type.startsWith("text/plain"))
        return Format::Prometheus;
    QByteArrayView tail = body;
    while (!tail.isEmpty() && (tail.back() == '\n' || tail.back() == '\r' || isBlank(tail.back())))
        tail.chop(1);
    return tail.endsWith("# EOF") ? Format::OpenMetrics : Format::Prometheus;
}

bool Exposition::looksLikeExposition(QByteArrayView body)
{
    qsizetype i = 0;
    while (i < body.size() && (isBlank(body[i]) || body[i] == '\n' || body[i] == '\r'))
        ++i;
    if (i >= body.size())
        return false;
    const char first = body[i];
    return first == '#' || isNameStart(first);
}

Exposition Exposition::parse(QByteArrayView text, Format format)
{
    Exposition result;
    result.format = format;
    QHash<QString, int> seriesLines;
    bool sawEof = false;
    int number = 0;
    qsizetype pos = 0;
    auto fail = [&](const QString& message) { result.error = u"line %1: %2"_s.arg(number).arg(message); };

    while (pos < text.size()) {
        qsizetype end = text.indexOf('\n', pos);
        if (end < 0)
            end = text.size();
        QByteArrayView line = text.sliced(pos, end - pos);
        pos = end + 1;
        ++number;
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.size() > kMaxLineBytes) {
            fail(u"longer than %1 bytes"_s.arg(kMaxLineBytes));
            break;
        }
        if (sawEof) {
            fail(u"text after # EOF"_s);
            break;
        }
        if (line.trimmed().isEmpty())
            continue;

        if (line.startsWith('#')) {
            LineParser p(line.sliced(1), number, format);
            p.skipBlanks();
            const QByteArrayView keyword = p.token();
            if (keyword == "EOF" && format == Format::OpenMetrics) {
                sawEof = true;
                continue;
            }
            if (keyword != "HELP" && keyword != "TYPE" && keyword != "UNIT")
                continue; // a comment
            if (!p.skipBlanks())
                continue;
            const QString familyName = p.name();
            if (familyName.isEmpty()) {
                fail(u"expected a metric name after # %1"_s.arg(QString::fromLatin1(keyword)));
                break;
            }
            p.skipBlanks();
            ExpositionFamily& family = result.families[familyName];
            family.name = familyName;
            const QString rest = QString::fromUtf8(p.rest()).trimmed();
            if (keyword == "TYPE") {
                static const QSet<QString> types { u"counter"_s, u"gauge"_s, u"histogram"_s, u"summary"_s, u"untyped"_s,
                    u"unknown"_s, u"gaugehistogram"_s, u"stateset"_s, u"info"_s };
                if (!types.contains(rest)) {
                    fail(u"unknown metric type '%1' for %2"_s.arg(excerpt(p.rest()), familyName));
                    break;
                }
                family.type = rest;
            } else if (keyword == "HELP") {
                QString help;
                for (qsizetype i = 0; i < rest.size(); ++i) {
                    if (rest[i] == u'\\' && i + 1 < rest.size()) {
                        const QChar e = rest[++i];
                        help += e == u'n' ? QChar(u'\n') : e;
                    } else {
                        help += rest[i];
                    }
                }
                family.help = help;
            } else {
                family.unit = rest;
            }
            continue;
        }

        LineParser p(line, number, format);
        p.skipBlanks();
        std::optional<ExpositionSample> sample = p.sample();
        if (!sample) {
            fail(p.error());
            break;
        }
        const QString key = sample->seriesKey();
        const auto first = seriesLines.constFind(key);
        if (first != seriesLines.constEnd()) {
            result.warnings.append(
                u"line %1: %2 repeats the series of line %3; the first is used"_s.arg(number).arg(key).arg(
                    first.value()));
            continue;
        }
        seriesLines.insert(key, number);
        result.samples.append(std::move(*sample));
    }
    if (result.ok() && format == Format::OpenMetrics && !sawEof)
        result.error = u"line %1: OpenMetrics text must end with # EOF"_s.arg(number);
    return result;
}

QString Exposition::familyOf(const QString& sampleName) const
{
    if (families.contains(sampleName))
        return sampleName;
    for (const QString& suffix : familySuffixes()) {
        if (sampleName.endsWith(suffix)) {
            const QString base = sampleName.chopped(suffix.size());
            if (families.contains(base))
                return base;
        }
    }
    return sampleName;
}

QStringList Exposition::familyNames() const
{
    QStringList names;
    QSet<QString> seen;
    for (const ExpositionSample& s : samples) {
        const QString family = familyOf(s.name);
        if (!seen.contains(family)) {
            seen.insert(family);
            names.append(family);
        }
    }
    QStringList declaredOnly;
    for (auto it = families.cbegin(); it != families.cend(); ++it) {
        if (!seen.contains(it.key()))
            declaredOnly.append(it.key());
    }
    declaredOnly.sort();
    return names + declaredOnly;
}

} // namespace poolscope
