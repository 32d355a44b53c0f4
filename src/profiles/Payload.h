#pragma once

#include <QByteArray>
#include <QtGlobal>

namespace poolscope {

// One health payload as it arrived: the body (implicitly shared, so keeping it costs no copy), its
// Content-Type and when it was received. The body is within the target's body cap.
struct Payload
{
    QByteArray body;
    QByteArray contentType; // lower-case, as the server sent it ("" when it sent none)
    qint64 receivedMs = 0; // ms since the epoch; 0 when nothing was received yet

    bool isEmpty() const { return receivedMs == 0; }
    // Prometheus text / OpenMetrics rather than JSON: by Content-Type (openmetrics, text/plain), and a body
    // whose type says nothing (no "json") is sniffed (Exposition::looksLikeExposition).
    bool isExposition() const;
};

} // namespace poolscope
