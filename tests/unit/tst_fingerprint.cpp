#include "analysis/QueryFingerprint.h"

#include <QTest>

using namespace poolscope;
using namespace Qt::StringLiterals;

class TestFingerprint : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fingerprint_data()
    {
        QTest::addColumn<QString>("sql");
        QTest::addColumn<QString>("expected");

        QTest::addRow("string literal") << u"SELECT key, value FROM settings WHERE key = 'odds_refresh'"_s
                                        << u"SELECT key, value FROM settings WHERE key = ?"_s;
        QTest::addRow("doubled quote escape")
            << u"SELECT 1 FROM t WHERE name = 'O''Brien' AND x = 2"_s << u"SELECT ? FROM t WHERE name = ? AND x = ?"_s;
        QTest::addRow("E string with backslash escapes") << u"SELECT * FROM t WHERE a = E'it\\'s \\\\ ok' AND b = 'x'"_s
                                                         << u"SELECT * FROM t WHERE a = ? AND b = ?"_s;
        QTest::addRow("identifier ending in e is not an E string")
            << u"UPDATE t SET name='x'"_s << u"UPDATE t SET name=?"_s;
        QTest::addRow("bit and hex strings")
            << u"SELECT B'1010', X'FF', N'abc', U&'d\\0061t'"_s << u"SELECT ?, ?, ?, ?"_s;
        QTest::addRow("dollar quoted") << u"SELECT $$it's a 'body'$$, 1"_s << u"SELECT ?, ?"_s;
        QTest::addRow("tagged dollar quote") << u"DO $fn$ BEGIN RAISE NOTICE '$$'; END $fn$"_s << u"DO ?"_s;
        QTest::addRow("parameters kept") << u"SELECT * FROM bets WHERE id = $1 AND user_id = $2"_s
                                         << u"SELECT * FROM bets WHERE id = $1 AND user_id = $2"_s;
        QTest::addRow("integers, decimals, exponents")
            << u"SELECT 42, 3.14, .5, 1e-3, 2.5E+10, 0x1F, 1_000"_s << u"SELECT ?, ?, ?, ?, ?, ?, ?"_s;
        QTest::addRow("digits in identifiers stay")
            << u"SELECT t1.col2, \"col3\" FROM t1 JOIN \"Table 4\" t2 ON t2.a = 5"_s
            << u"SELECT t1.col2, \"col3\" FROM t1 JOIN \"Table 4\" t2 ON t2.a = ?"_s;
        QTest::addRow("unary minus joins the number") << u"SELECT * FROM t WHERE x = -1 AND y > -2.5 AND z IN (-3, 4)"_s
                                                      << u"SELECT * FROM t WHERE x = ? AND y > ? AND z IN (?)"_s;
        QTest::addRow("binary minus stays") << u"SELECT a-1, a - 2 FROM t"_s << u"SELECT a-?, a - ? FROM t"_s;
        QTest::addRow("IN list collapsed") << u"SELECT * FROM t WHERE id IN (1, 2, 3) AND s in ('a','b')"_s
                                           << u"SELECT * FROM t WHERE id IN (?) AND s in (?)"_s;
        QTest::addRow("IN subquery kept") << u"SELECT * FROM t WHERE id IN (SELECT id FROM u WHERE v = 3)"_s
                                          << u"SELECT * FROM t WHERE id IN (SELECT id FROM u WHERE v = ?)"_s;
        QTest::addRow("ARRAY collapsed") << u"SELECT * FROM t WHERE id = ANY(ARRAY[1,2,3])"_s
                                         << u"SELECT * FROM t WHERE id = ANY(ARRAY[?])"_s;
        QTest::addRow("casts") << u"SELECT '2024-01-01'::date, 5::int"_s << u"SELECT ?::date, ?::int"_s;
        QTest::addRow("whitespace collapsed") << u"  SELECT\n\t a ,\r\n  b   FROM   t  "_s << u"SELECT a , b FROM t"_s;
        QTest::addRow("comments dropped") << u"SELECT a -- the a\nFROM t /* outer /* nested */ still */ WHERE b = 1"_s
                                          << u"SELECT a FROM t WHERE b = ?"_s;
        QTest::addRow("keyword case kept")
            << u"select Id from Bets where Id = 7"_s << u"select Id from Bets where Id = ?"_s;
        QTest::addRow("unterminated literal (truncated query)")
            << u"INSERT INTO log(msg) VALUES ('a very long message that was cut"_s
            << u"INSERT INTO log(msg) VALUES (?"_s;
        QTest::addRow("empty") << QString() << QString();
        QTest::addRow("dollar inside identifier") << u"SELECT a$b FROM t"_s << u"SELECT a$b FROM t"_s;
    }

    void fingerprint()
    {
        QFETCH(QString, sql);
        QFETCH(QString, expected);
        QCOMPARE(fingerprintQuery(sql), expected);
    }

    void sameShapeSameFingerprint()
    {
        QCOMPARE(fingerprintQuery(u"SELECT * FROM odds WHERE match_id = 17 AND book = 'x'"_s),
            fingerprintQuery(u"SELECT *  FROM odds WHERE match_id = 9042 AND book = 'yy'"_s));
    }

    void redact_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("expected");
        QTest::addRow("IPv4") << u"10.1.23.4"_s << u"10.1.x.x"_s;
        QTest::addRow("IPv4 with prefix") << u"192.168.3.4/32"_s << u"192.168.x.x/32"_s;
        QTest::addRow("IPv6") << u"2001:db8:85a3::8a2e:370:7334"_s << u"2001:db8:x:x:x:x:x:x"_s;
        QTest::addRow("IPv6 loopback") << u"::1"_s << u"0:0:x:x:x:x:x:x"_s;
        QTest::addRow("IPv4-mapped IPv6") << u"::ffff:10.20.30.40"_s << u"::ffff:10.20.x.x"_s;
        QTest::addRow("unix socket") << QString() << QString();
        QTest::addRow("not an address") << u"db.internal"_s << u"x"_s;
    }

    void redact()
    {
        QFETCH(QString, address);
        QFETCH(QString, expected);
        QCOMPARE(redactClientAddress(address), expected);
    }
};

QTEST_GUILESS_MAIN(TestFingerprint)
#include "tst_fingerprint.moc"
