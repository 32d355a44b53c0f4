#include "DemoState.h"

#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace poolscope::test {

QJsonObject demoState(QString* error)
{
    const QString dir = qEnvironmentVariable("POOLSCOPE_TEST_STATE");
    if (dir.isEmpty()) {
        *error = u"POOLSCOPE_TEST_STATE is not set: run this test through ctest (it needs the demo fixture)"_s;
        return {};
    }
    QFile file(dir + u"/state.json"_s);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = u"cannot read %1 (%2): did the demo_up fixture run?"_s.arg(file.fileName(), file.errorString());
        return {};
    }
    QJsonParseError parseError;
    const auto doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (!doc.isObject()) {
        *error = u"%1 is not a JSON object: %2"_s.arg(file.fileName(), parseError.errorString());
        return {};
    }
    return doc.object();
}

QJsonObject demoService(const QJsonObject& state, const QString& name)
{
    for (const auto& v : state.value(u"services"_s).toArray()) {
        if (v.toObject().value(u"name"_s).toString() == name)
            return v.toObject();
    }
    return {};
}

QJsonDocument fetchJson(const QString& url, QString* error, const QByteArray& postBody)
{
    QNetworkAccessManager network;
    QNetworkRequest request { QUrl(url) };
    request.setTransferTimeout(5000);
    QNetworkReply* reply = nullptr;
    if (postBody.isNull()) {
        reply = network.get(request);
    } else {
        request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
        reply = network.post(request, postBody);
    }
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const QByteArray body = reply->readAll();
    if (reply->error() != QNetworkReply::NoError) {
        *error = u"%1: %2"_s.arg(url, reply->errorString());
        reply->deleteLater();
        return {};
    }
    reply->deleteLater();
    QJsonParseError parseError;
    auto doc = QJsonDocument::fromJson(body, &parseError);
    if (doc.isNull())
        *error = u"%1: invalid JSON: %2"_s.arg(url, parseError.errorString());
    return doc;
}

QString poolscopeBinary()
{
    return QStringLiteral(POOLSCOPE_BINARY);
}

PoolscopeRun runPoolscope(const QStringList& args, int timeoutMs)
{
    QProcess process;
    process.start(poolscopeBinary(), args);
    PoolscopeRun run;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        run.err = "timed out";
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

QJsonObject byName(const QJsonArray& array, const QString& name)
{
    for (const auto& v : array) {
        if (v.toObject().value(u"name"_s).toString() == name)
            return v.toObject();
    }
    return {};
}

} // namespace poolscope::test
