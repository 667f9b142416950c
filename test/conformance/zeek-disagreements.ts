/**
 * Every row of Zeek's conn.log baselines where the `--zeek` view differs from
 * Zeek, with why; keyed `<baseline file>#<TCP row>` (corpus baselines by their
 * path under test/corpus/zeek/, the others by `<btest name>/<file>`).
 * test/conformance/zeek-log.test.ts fails on a disagreement not listed here and
 * on a listed row that now agrees.
 */

/**
 * 'X' (Conn.cc HIST_ANALYZER_LIMIT_REACHED) is added by an application-layer
 * analyzer (HTTP, FTP, SSH, SMTP, Gnutella, Login, NCP, GTP...) when a limit of
 * its own is reached (line length, header size, pending commands...). We do
 * not parse application protocols; without the X the history is the same.
 */
const X = (analyzer: string): string =>
  `'X': the ${analyzer} analyzer reached one of its limits (an application-layer fact we do not parse); the rest of the history agrees`;

export const ZEEK_DISAGREEMENTS: Record<string, string> = {
  'tcp/retransmit-timeout.pcapng.expect/core.expire-all-timers/conn-limited.log#1':
    'the test schedules 300 dummy timers so that Zeek (max_timer_expires=300) runs the 5 min inactivity timeout late; with every timer run (conn-all.log) we agree',
  'core.reporter-limit-reached-weird/conn.log#1': X('HTTP'),
  'scripts.base.protocols.ftp.ftp-max-command-length/conn.log#1': X('FTP (FTP::max_command_length)'),
  'scripts.base.protocols.gnutella.max-header-length/conn.log#1': X('Gnutella'),
  'scripts.base.protocols.gnutella.max-line-length/conn.log#1': X('Gnutella'),
  'scripts.base.protocols.http.deeply-nested-mime/conn.log#1': X('HTTP (MIME nesting depth)'),
  'scripts.base.protocols.login.nvt-option-length/conn.log#1': X('Telnet (NVT option length)'),
  'scripts.base.protocols.login.nvt-contentline-length/conn-buffer-overflow.log#1': X('Telnet (line length)'),
  'scripts.base.protocols.login.nvt-contentline-length/conn-long.log#1': X('Telnet (line length)'),
  'scripts.base.protocols.login.rlogin-line-length/conn.log#1': X('Rlogin (line length)'),
  'scripts.base.protocols.login.rsh-line-length/conn.log#1': X('Rsh (line length)'),
  'scripts.base.protocols.smtp.mime-header-size-limit/conn.log#1': X('SMTP (MIME header size)'),
  'scripts.base.protocols.ssh.max-kexinit-algorithms/conn.log#1': X('SSH (KEXINIT algorithms)'),
  'scripts.base.protocols.ftp.gridftp/conn.log#2':
    "GridFTP data channel: once the TLS session and 2 bytes (the test's size_threshold) have gone by, base/protocols/ftp/gridftp.zeek calls skip_further_processing(), so Zeek's history stops at ShADad (S1); we see the whole connection (ShADadfF, SF)",
  'scripts.base.protocols.ncp.frame_size_tuning/conn.log#3': X('NCP (NCP::max_frame_size=150)'),
};
