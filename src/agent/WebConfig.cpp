#include "WebConfig.h"

#include "workspace/WorkspaceFile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

using namespace Qt::StringLiterals;

namespace poolscope {

namespace {

// A scalar as written: quotes removed, a trailing comment dropped.
QString scalar(QString text)
{
    text = text.trimmed();
    if (text.size() >= 2 && (text.front() == u'"' || text.front() == u'\'')) {
        const qsizetype end = text.indexOf(text.front(), 1);
        if (end > 0)
            return text.mid(1, end - 1);
    }
    const qsizetype comment = text.indexOf(u" #"_s);
    return (comment >= 0 ? text.left(comment) : text).trimmed();
}

} // namespace

bool WebConfig::load(const QString& path, WebConfig* config, QString* error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = u"--web.config.file %1: %2"_s.arg(path, file.errorString());
        return false;
    }
    if (file.size() > 1024 * 1024) {
        *error = u"--web.config.file %1: larger than 1 MiB"_s.arg(path);
        return false;
    }
    const QDir base = QFileInfo(path).absoluteDir();
    auto fail = [&](int line, const QString& what) {
        *error = u"%1:%2: %3"_s.arg(path).arg(line).arg(what);
        return false;
    };
    WebConfig result;
    QString section; // the top-level key whose mapping is being read
    const QStringList lines = QString::fromUtf8(file.readAll()).split(u'\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const int lineNumber = static_cast<int>(i + 1);
        QString line = lines.at(i);
        if (line.endsWith(u'\r'))
            line.chop(1);
        const QString trimmed = line.trimmed();
        if (trimmed.isEmpty() || trimmed.startsWith(u'#') || trimmed == u"---"_s)
            continue;
        if (line.contains(u'\t'))
            return fail(lineNumber, u"tabs are not allowed for indentation in YAML"_s);
        const qsizetype colon = trimmed.indexOf(u':');
        if (colon <= 0)
            return fail(lineNumber, u"expected \"key: value\""_s);
        const QString key = trimmed.left(colon).trimmed();
        const QString value = scalar(trimmed.mid(colon + 1));
        const bool nested = line.front() == u' ';
        if (!nested) {
            section.clear();
            if (key == u"tls_server_config"_s) {
                if (!value.isEmpty())
                    return fail(lineNumber, u"tls_server_config must be a mapping (cert_file, key_file)"_s);
                section = key;
            } else if (key == u"bearer_token"_s) {
                QStringList unset;
                result.bearerToken = expandEnv(value, &unset).trimmed().toUtf8();
                if (!unset.isEmpty())
                    return fail(lineNumber, u"bearer_token: ${env:%1} is not set"_s.arg(unset.first()));
                if (result.bearerToken.isEmpty())
                    return fail(lineNumber, u"bearer_token is empty"_s);
            } else if (key == u"basic_auth_users"_s || key == u"http_server_config"_s) {
                return fail(lineNumber, u"%1 is not supported by poolscope agent (use bearer_token)"_s.arg(key));
            } else {
                return fail(lineNumber, u"unknown key \"%1\" (known: tls_server_config, bearer_token)"_s.arg(key));
            }
            continue;
        }
        if (section != u"tls_server_config"_s)
            return fail(lineNumber, u"unexpected indented key \"%1\""_s.arg(key));
        if (key == u"cert_file"_s)
            result.certFile = value.isEmpty() ? QString() : base.absoluteFilePath(value);
        else if (key == u"key_file"_s)
            result.keyFile = value.isEmpty() ? QString() : base.absoluteFilePath(value);
        else
            return fail(lineNumber,
                u"tls_server_config.%1 is not supported by poolscope agent (known: cert_file, key_file)"_s.arg(key));
    }
    if (result.certFile.isEmpty() != result.keyFile.isEmpty()) {
        *error = u"%1: tls_server_config needs both cert_file and key_file"_s.arg(path);
        return false;
    }
    *config = result;
    return true;
}

} // namespace poolscope
