#include "SqliteStatement.h"

#include "types/ActivitySnapshot.h"
#include "types/Metric.h"

#include <sqlite3.h>

#include <utility>

namespace poolscope {

SqliteStatement::~SqliteStatement()
{
    finalize();
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : m_stmt(std::exchange(other.m_stmt, nullptr))
{ }

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept
{
    if (this != &other) {
        finalize();
        m_stmt = std::exchange(other.m_stmt, nullptr);
    }
    return *this;
}

bool SqliteStatement::prepare(sqlite3* db, QByteArrayView sql, QString* error)
{
    finalize();
    const int rc
        = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &m_stmt, nullptr);
    if (rc != SQLITE_OK) {
        if (error)
            *error = sqliteError(db);
        finalize();
        return false;
    }
    return true;
}

void SqliteStatement::finalize()
{
    if (m_stmt)
        sqlite3_finalize(m_stmt);
    m_stmt = nullptr;
}

void SqliteStatement::bindInt(int index, qint64 value)
{
    sqlite3_bind_int64(m_stmt, index, value);
}

void SqliteStatement::bindReal(int index, double value)
{
    if (isPresent(value))
        sqlite3_bind_double(m_stmt, index, value);
    else
        sqlite3_bind_null(m_stmt, index);
}

void SqliteStatement::bindTime(int index, qint64 ms)
{
    if (ms == kNoTime)
        sqlite3_bind_null(m_stmt, index);
    else
        sqlite3_bind_int64(m_stmt, index, ms);
}

void SqliteStatement::bindText(int index, const QString& text, bool emptyAsNull)
{
    if (text.isEmpty() && emptyAsNull) {
        sqlite3_bind_null(m_stmt, index);
        return;
    }
    const QByteArray utf8 = text.toUtf8();
    sqlite3_bind_text64(m_stmt, index, utf8.isNull() ? "" : utf8.constData(), static_cast<sqlite3_uint64>(utf8.size()),
        SQLITE_TRANSIENT, SQLITE_UTF8);
}

void SqliteStatement::bindNull(int index)
{
    sqlite3_bind_null(m_stmt, index);
}

int SqliteStatement::step()
{
    return sqlite3_step(m_stmt);
}

bool SqliteStatement::exec()
{
    const int rc = sqlite3_step(m_stmt);
    sqlite3_reset(m_stmt);
    return rc == SQLITE_DONE;
}

void SqliteStatement::reset()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

bool SqliteStatement::isNull(int column) const
{
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

qint64 SqliteStatement::integer(int column, qint64 nullValue) const
{
    return isNull(column) ? nullValue : sqlite3_column_int64(m_stmt, column);
}

double SqliteStatement::real(int column) const
{
    return isNull(column) ? kAbsent : sqlite3_column_double(m_stmt, column);
}

qint64 SqliteStatement::time(int column) const
{
    return isNull(column) ? kNoTime : sqlite3_column_int64(m_stmt, column);
}

QString SqliteStatement::text(int column) const
{
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
    if (!data)
        return {};
    return QString::fromUtf8(data, sqlite3_column_bytes(m_stmt, column));
}

QString sqliteError(sqlite3* db)
{
    return QString::fromUtf8(sqlite3_errmsg(db));
}

bool sqliteExec(sqlite3* db, const char* sql, QString* error)
{
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        if (error)
            *error = message ? QString::fromUtf8(message) : QString::fromUtf8(sqlite3_errstr(rc));
        sqlite3_free(message);
        return false;
    }
    return true;
}

} // namespace poolscope
