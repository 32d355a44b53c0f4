#include "QueryFingerprint.h"

#include <QHostAddress>
#include <QRegularExpression>
#include <QStringList>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

bool isIdentStart(QChar c)
{
    return c.isLetter() || c == u'_';
}

bool isIdentChar(QChar c)
{
    return c.isLetterOrNumber() || c == u'_' || c == u'$';
}

class Fingerprinter
{
public:
    explicit Fingerprinter(QStringView sql)
        : m_sql(sql)
    { }

    QString run()
    {
        const qsizetype n = m_sql.size();
        while (m_pos < n) {
            const QChar c = m_sql[m_pos];
            if (c.isSpace()) {
                m_space = true;
                ++m_pos;
            } else if (c == u'-' && peek(1) == u'-') {
                while (m_pos < n && m_sql[m_pos] != u'\n')
                    ++m_pos;
                m_space = true;
            } else if (c == u'/' && peek(1) == u'*') {
                skipBlockComment();
                m_space = true;
            } else if (c == u'\'') {
                skipQuoted(false);
                emitLiteral();
            } else if ((c == u'E' || c == u'e') && peek(1) == u'\'') {
                ++m_pos;
                skipQuoted(true);
                emitLiteral();
            } else if ((c == u'B' || c == u'b' || c == u'X' || c == u'x' || c == u'N' || c == u'n')
                && peek(1) == u'\'') {
                ++m_pos;
                skipQuoted(false);
                emitLiteral();
            } else if ((c == u'U' || c == u'u') && peek(1) == u'&' && peek(2) == u'\'') {
                m_pos += 2;
                skipQuoted(false);
                emitLiteral();
            } else if (c == u'"') {
                copyQuotedIdentifier();
            } else if (c == u'$') {
                dollar();
            } else if (c.isDigit() || (c == u'.' && peek(1).isDigit())) {
                number();
            } else if (c == u'-' && (peek(1).isDigit() || (peek(1) == u'.' && peek(2).isDigit())) && unaryContext()) {
                ++m_pos;
                number();
            } else if (isIdentStart(c)) {
                const qsizetype start = m_pos;
                while (m_pos < n && isIdentChar(m_sql[m_pos]))
                    ++m_pos;
                append(m_sql.sliced(start, m_pos - start));
            } else {
                append(m_sql.sliced(m_pos, 1));
                ++m_pos;
            }
        }
        return collapseLists(m_out);
    }

private:
    QChar peek(qsizetype ahead) const
    {
        const qsizetype i = m_pos + ahead;
        return i < m_sql.size() ? m_sql[i] : QChar();
    }

    void append(QStringView text)
    {
        if (m_space && !m_out.isEmpty())
            m_out += u' ';
        m_space = false;
        m_out += text;
    }

    void emitLiteral() { append(u"?"); }

    // A '-' is a sign (not a binary minus) after an operator, an opening bracket, a comma, or at the start.
    bool unaryContext() const
    {
        const QString trimmed = m_out.trimmed();
        if (trimmed.isEmpty())
            return true;
        const QChar last = trimmed.back();
        if (u"=<>(,+-*/%^[|"_s.contains(last))
            return true;
        // After a keyword such as THEN, ELSE, WHEN, AND, SELECT, VALUES, RETURN, LIMIT...
        static const QRegularExpression keyword(
            u"(?i)\\b(select|where|and|or|not|then|else|when|values|return|limit|offset|between|in|is|by|case|set)$"_s);
        return keyword.match(trimmed).hasMatch();
    }

    // m_pos at the opening quote; leaves m_pos after the closing quote.
    void skipQuoted(bool backslashEscapes)
    {
        ++m_pos;
        const qsizetype n = m_sql.size();
        while (m_pos < n) {
            const QChar c = m_sql[m_pos];
            if (backslashEscapes && c == u'\\') {
                m_pos += 2;
                continue;
            }
            if (c == u'\'') {
                if (peek(1) == u'\'') {
                    m_pos += 2;
                    continue;
                }
                ++m_pos;
                return;
            }
            ++m_pos;
        }
    }

    void skipBlockComment()
    {
        int depth = 0;
        const qsizetype n = m_sql.size();
        while (m_pos < n) {
            if (m_sql[m_pos] == u'/' && peek(1) == u'*') {
                ++depth;
                m_pos += 2;
            } else if (m_sql[m_pos] == u'*' && peek(1) == u'/') {
                --depth;
                m_pos += 2;
                if (depth == 0)
                    return;
            } else {
                ++m_pos;
            }
        }
    }

    void copyQuotedIdentifier()
    {
        const qsizetype start = m_pos;
        ++m_pos;
        const qsizetype n = m_sql.size();
        while (m_pos < n) {
            if (m_sql[m_pos] == u'"') {
                if (peek(1) == u'"') {
                    m_pos += 2;
                    continue;
                }
                ++m_pos;
                break;
            }
            ++m_pos;
        }
        append(m_sql.sliced(start, m_pos - start));
    }

    void dollar()
    {
        const qsizetype n = m_sql.size();
        // $1: a parameter, kept.
        if (peek(1).isDigit()) {
            const qsizetype start = m_pos;
            ++m_pos;
            while (m_pos < n && m_sql[m_pos].isDigit())
                ++m_pos;
            append(m_sql.sliced(start, m_pos - start));
            return;
        }
        // $tag$ or $$: a dollar-quoted string, unless '$' is part of an identifier (handled there).
        qsizetype end = m_pos + 1;
        if (end < n && isIdentStart(m_sql[end])) {
            while (end < n && (m_sql[end].isLetterOrNumber() || m_sql[end] == u'_'))
                ++end;
        }
        if (end < n && m_sql[end] == u'$') {
            const QStringView tag = m_sql.sliced(m_pos, end - m_pos + 1);
            const qsizetype close = m_sql.indexOf(tag, end + 1);
            m_pos = close < 0 ? n : close + tag.size();
            emitLiteral();
            return;
        }
        append(u"$");
        ++m_pos;
    }

    void number()
    {
        const qsizetype n = m_sql.size();
        if (m_sql[m_pos] == u'0' && m_pos + 1 < n && u"xXoObB"_s.contains(m_sql[m_pos + 1])) {
            m_pos += 2;
            while (m_pos < n && (m_sql[m_pos].isLetterOrNumber() || m_sql[m_pos] == u'_'))
                ++m_pos;
            emitLiteral();
            return;
        }
        auto digits = [&] {
            while (m_pos < n && (m_sql[m_pos].isDigit() || m_sql[m_pos] == u'_'))
                ++m_pos;
        };
        digits();
        if (m_pos < n && m_sql[m_pos] == u'.' && !(m_pos + 1 < n && m_sql[m_pos + 1] == u'.')) {
            ++m_pos;
            digits();
        }
        if (m_pos < n && (m_sql[m_pos] == u'e' || m_sql[m_pos] == u'E')) {
            qsizetype look = m_pos + 1;
            if (look < n && (m_sql[look] == u'+' || m_sql[look] == u'-'))
                ++look;
            if (look < n && m_sql[look].isDigit()) {
                m_pos = look;
                digits();
            }
        }
        emitLiteral();
    }

    static QString collapseLists(QString text)
    {
        static const QRegularExpression inList(u"(?i)\\b(IN)\\s*\\(\\s*\\?(?:\\s*,\\s*\\?)+\\s*\\)"_s);
        static const QRegularExpression arrayList(u"(?i)\\b(ARRAY)\\s*\\[\\s*\\?(?:\\s*,\\s*\\?)+\\s*\\]"_s);
        text.replace(inList, u"\\1 (?)"_s);
        text.replace(arrayList, u"\\1[?]"_s);
        return text;
    }

    QStringView m_sql;
    qsizetype m_pos = 0;
    QString m_out;
    bool m_space = false;
};

} // namespace

QString fingerprintQuery(QStringView sql)
{
    return Fingerprinter(sql).run();
}

QString redactClientAddress(const QString& address)
{
    if (address.isEmpty())
        return {};
    QString host = address;
    QString suffix;
    const qsizetype slash = address.indexOf(u'/');
    if (slash >= 0) {
        host = address.left(slash);
        suffix = address.mid(slash);
    }
    QHostAddress parsed;
    if (!parsed.setAddress(host))
        return u"x"_s;
    bool isV4 = false;
    const quint32 v4 = parsed.toIPv4Address(&isV4);
    if (isV4) {
        const QString masked
            = QString::number((v4 >> 24) & 0xff) + u'.' + QString::number((v4 >> 16) & 0xff) + u".x.x"_s;
        if (parsed.protocol() == QAbstractSocket::IPv6Protocol)
            return u"::ffff:"_s + masked + suffix;
        return masked + suffix;
    }
    const Q_IPV6ADDR v6 = parsed.toIPv6Address();
    const auto group = [&](int i) { return (static_cast<unsigned>(v6[2 * i]) << 8) | v6[2 * i + 1]; };
    return QString::number(group(0), 16) + u':' + QString::number(group(1), 16) + u":x:x:x:x:x:x"_s + suffix;
}

} // namespace poolscope
