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

} // namespace poolscope::test
