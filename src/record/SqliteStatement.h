#pragma once

#include <QByteArrayView>
#include <QString>

struct sqlite3;
struct sqlite3_stmt;

namespace poolscope {

// A prepared SQLite statement (C API), owned: finalized on destruction, reusable with reset().
// Binding NaN or kNoTime stores NULL; reading NULL gives NaN, kNoTime, -1 or an empty string.
class SqliteStatement
{
public:
    SqliteStatement() = default;
    ~SqliteStatement();
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;
    SqliteStatement(SqliteStatement&& other) noexcept;
    SqliteStatement& operator=(SqliteStatement&& other) noexcept;

    // Prepares `sql` (kept for reuse); on failure returns false and sets *error to SQLite's message.
    bool prepare(sqlite3* db, QByteArrayView sql, QString* error = nullptr);
    bool isValid() const { return m_stmt != nullptr; }
    void finalize();

    void bindInt(int index, qint64 value);
    void bindReal(int index, double value); // NaN -> NULL
    void bindTime(int index, qint64 ms); // kNoTime -> NULL
    void bindText(int index, const QString& text, bool emptyAsNull = true); // empty -> NULL unless told
    void bindNull(int index);

    // sqlite3_step(); returns SQLITE_ROW, SQLITE_DONE or an error code.
    int step();
    // Steps a statement that returns no rows and resets it; true on SQLITE_DONE.
    bool exec();
    void reset(); // reset and clear bindings

    bool isNull(int column) const;
    qint64 integer(int column, qint64 nullValue = 0) const;
    double real(int column) const; // NULL -> NaN
    qint64 time(int column) const; // NULL -> kNoTime
    QString text(int column) const;

    sqlite3_stmt* handle() const { return m_stmt; }

private:
    sqlite3_stmt* m_stmt = nullptr;
};

// The database's latest error message, as a QString.
QString sqliteError(sqlite3* db);
// Runs one or more statements without results; false (with *error) on the first failure.
bool sqliteExec(sqlite3* db, const char* sql, QString* error = nullptr);

} // namespace poolscope
