#pragma once

// Access to the demo fixture (resources/demo/demo.py up --state $POOLSCOPE_TEST_STATE) for integration and
// GUI tests: its state.json, and small synchronous HTTP/JSON helpers to ask the demo services directly.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

namespace poolscope::test {

// state.json of the running demo fixture; an empty object and *error set when it is missing.
QJsonObject demoState(QString* error);
// The service entry of state.json["services"] named `name`.
QJsonObject demoService(const QJsonObject& state, const QString& name);
// GET or POST (with a JSON body) url and parse the JSON answer; error set on failure. Runs a local event loop.
QJsonDocument fetchJson(const QString& url, QString* error, const QByteArray& postBody = {});

// One run of the real poolscope binary (the build's, see tests/CMakeLists.txt).
struct PoolscopeRun
{
    int exitCode = -1; // -1 when it crashed or timed out
    QByteArray out;
    QByteArray err;
};
PoolscopeRun runPoolscope(const QStringList& args, int timeoutMs = 60000);
QString poolscopeBinary();

// The element of a JSON array of objects whose "name" is `name` (status and explain output).
QJsonObject byName(const QJsonArray& array, const QString& name);

} // namespace poolscope::test
