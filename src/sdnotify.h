/* sdnotify.h: telling the service manager how `docpipe watch` is doing, by
 * the sd_notify protocol (one datagram of KEY=VALUE lines to the AF_UNIX
 * socket named by $NOTIFY_SOCKET; a leading '@' names an abstract socket).
 * Without $NOTIFY_SOCKET (not started by systemd with Type=notify) every call
 * does nothing. Used by cmd_watch.c:
 *   READY=1 once the inbox and the stages are up,
 *   STATUS=... what `systemctl status docpipe-watch` shows (counts),
 *   RELOADING=1 / READY=1 around a SIGHUP reload, STOPPING=1 on SIGTERM,
 *   WATCHDOG=1 at half the service's WatchdogSec= while the loop turns. */
#ifndef DP_SDNOTIFY_H
#define DP_SDNOTIFY_H

#include <stdint.h>

/* Send the lines; 1 when sent, 0 when there is no manager, -1 on error. */
int sd_notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The watchdog interval in microseconds ($WATCHDOG_USEC for this process),
 * 0 when the service has none. */
int64_t sd_watchdog_usec(void);

#endif
