#pragma once

#include <QString>
#include <QStringView>

namespace poolscope {

// The shape of a SQL statement with its literal values replaced by "?", so that statements differing
// only in their values group together (and so that values, which may be personal data, are not shown).
//  - string literals '…' ('' escapes), E'…' (backslash escapes), B'…', X'…', N'…', U&'…' → ?
//  - dollar-quoted bodies $$…$$ and $tag$…$tag$ → ?
//  - numeric literals (42, 3.14, .5, 1e-3, 0x1F, 1_000) → ?, but not digits inside identifiers (t1) or
//    quoted identifiers ("col2"); a unary minus directly before a number joins it (x = -1 → x = ?)
//  - positional parameters ($1) are kept as they are
//  - IN (?, ?, …) → IN (?) and ARRAY[?, ?, …] → ARRAY[?]
//  - comments (-- … and nested /* … */) are dropped, runs of whitespace become one space, ends trimmed
//  - everything else (keywords, identifiers, their case) is kept verbatim.
// An unterminated literal or comment swallows the rest of the statement (pg_stat_activity truncates
// long statements at track_activity_query_size, so this happens).
QString fingerprintQuery(QStringView sql);

// An address with its host part masked, for screenshots and shared reports:
// IPv4 keeps the first two octets ("10.1.23.4" → "10.1.x.x"); IPv6 keeps the first two groups
// ("2001:db8:85a3::7334" → "2001:db8:x:x:x:x:x:x"), an IPv4-mapped IPv6 address is masked as IPv4
// ("::ffff:10.1.x.x"); a "/prefix" suffix is kept. An empty string (Unix socket) stays empty; anything
// else that is not an address becomes "x".
QString redactClientAddress(const QString& address);

} // namespace poolscope
