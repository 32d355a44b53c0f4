#pragma once

#include <QByteArray>
#include <QString>

namespace poolscope {

// `poolscope agent --web.config.file FILE`: access settings in the layout of Prometheus's web configuration
// file (exporter-toolkit), the subset the agent supports:
//
//   tls_server_config:
//     cert_file: agent.crt        # PEM; relative paths are relative to the file's folder
//     key_file: agent.key
//   bearer_token: ${env:POOLSCOPE_AGENT_TOKEN}   # PoolScope's own key: requests need "Authorization: Bearer ..."
//
// Block mappings, plain or quoted scalars and comments only. Keys the agent does not implement
// (basic_auth_users, http_server_config, client CA...) are refused by name rather than silently ignored: a
// file that asks for an access rule the agent would not enforce must not start it.
struct WebConfig
{
    QString certFile;
    QString keyFile;
    QByteArray bearerToken; // ${env:NAME} expanded

    // False with the reason (file:line: what) when the file cannot be read or used.
    static bool load(const QString& path, WebConfig* config, QString* error);
};

} // namespace poolscope
