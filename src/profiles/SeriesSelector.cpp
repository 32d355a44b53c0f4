#include "SeriesSelector.h"

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

bool isNameChar(QChar c, bool first, bool metric)
{
    const bool letter = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || c == u'_' || (metric && c == u':');
    return letter || (!first && c >= u'0' && c <= u'9');
}

class Reader
{
public:
    explicit Reader(const QString& text)
        : m_text(text)
    { }

    bool atEnd() const { return m_pos >= m_text.size(); }
    QChar peek() const { return atEnd() ? QChar() : m_text[m_pos]; }
    void skipSpaces()
    {
        while (!atEnd() && peek().isSpace())
            ++m_pos;
    }
    bool take(QChar c)
    {
        skipSpaces();
        if (peek() != c)
            return false;
        ++m_pos;
        return true;
    }
    QString name(bool metric)
    {
        skipSpaces();
        const qsizetype start = m_pos;
        while (!atEnd() && isNameChar(peek(), m_pos == start, metric))
            ++m_pos;
        return m_text.mid(start, m_pos - start);
    }
    std::optional<QString> quoted()
    {
        skipSpaces();
        const QChar quote = peek();
        if (quote != u'"' && quote != u'\'')
            return std::nullopt;
        ++m_pos;
        QString value;
        while (!atEnd()) {
            const QChar c = m_text[m_pos++];
            if (c == quote)
                return value;
            if (c == u'\\' && !atEnd()) {
                const QChar e = m_text[m_pos++];
                value += e == u'n' ? QChar(u'\n') : e == u't' ? QChar(u'\t') : e;
                continue;
            }
            value += c;
        }
        return std::nullopt;
    }
    qsizetype position() const { return m_pos; }

private:
    const QString& m_text;
    qsizetype m_pos = 0;
};

} // namespace

std::optional<SeriesSelector> SeriesSelector::parse(const QString& text, QString* error)
{
    Reader r(text);
    SeriesSelector selector;
    selector.m_text = text.trimmed();
    auto fail = [&](const QString& message) -> std::optional<SeriesSelector> {
        if (error)
            *error = u"at %1: %2"_s.arg(r.position()).arg(message);
        return std::nullopt;
    };

    const QString metric = r.name(true);
    if (!metric.isEmpty())
        selector.m_matchers.append({ u"__name__"_s, Op::Equal, metric, {} });
    if (r.take(u'{')) {
        while (!r.take(u'}')) {
            const QString label = r.name(false);
            if (label.isEmpty())
                return fail(u"expected a label name"_s);
            Matcher m;
            m.label = label;
            if (r.take(u'=')) {
                m.op = r.take(u'~') ? Op::Matches : Op::Equal;
            } else if (r.take(u'!')) {
                if (r.take(u'='))
                    m.op = Op::NotEqual;
                else if (r.take(u'~'))
                    m.op = Op::NotMatches;
                else
                    return fail(u"expected '!=' or '!~'"_s);
            } else {
                return fail(u"expected =, !=, =~ or !~ after %1"_s.arg(label));
            }
            const std::optional<QString> value = r.quoted();
            if (!value)
                return fail(u"expected a quoted value for %1"_s.arg(label));
            m.value = *value;
            if (m.op == Op::Matches || m.op == Op::NotMatches) {
                m.regex = QRegularExpression(QRegularExpression::anchoredPattern(m.value));
                if (!m.regex.isValid())
                    return fail(u"bad regular expression for %1: %2"_s.arg(label, m.regex.errorString()));
            }
            selector.m_matchers.append(m);
            if (!r.take(u',')) {
                if (!r.take(u'}'))
                    return fail(u"expected ',' or '}'"_s);
                break;
            }
        }
    }
    r.skipSpaces();
    if (!r.atEnd())
        return fail(u"unexpected '%1'"_s.arg(r.peek()));
    if (selector.m_matchers.isEmpty())
        return fail(u"empty selector"_s);
    return selector;
}

bool SeriesSelector::matches(const ExpositionSample& sample) const
{
    for (const Matcher& m : m_matchers) {
        const QString actual = m.label == u"__name__"_s ? sample.name : sample.label(m.label);
        // An absent label matches "" as in PromQL.
        const QString value = actual.isNull() ? QString() : actual;
        bool ok = false;
        switch (m.op) {
        case Op::Equal:
            ok = value == m.value;
            break;
        case Op::NotEqual:
            ok = value != m.value;
            break;
        case Op::Matches:
            ok = m.regex.match(value).hasMatch();
            break;
        case Op::NotMatches:
            ok = !m.regex.match(value).hasMatch();
            break;
        }
        if (!ok)
            return false;
    }
    return true;
}

QString SeriesSelector::metricName() const
{
    for (const Matcher& m : m_matchers) {
        if (m.label == u"__name__"_s && m.op == Op::Equal)
            return m.value;
    }
    return {};
}

} // namespace poolscope
