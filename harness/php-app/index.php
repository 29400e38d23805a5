<?php
// php-session-lab app (DESIGN: the PHP app contract).
// GET /            starts the session, increments visit_count, remembers the first `user`
//                  it was given, closes the session and answers JSON.
// GET /?set=V      also stores V as variableString.
// GET /?read=1     reads the session without writing it (read_and_close).
// The answer says whether the session could be started (`session_started`), whether its
// write succeeded (`written`: null for a read) and the PHP warnings the session calls
// raised (`warnings`). PHP 8.2's session_write_close() returns true even when the save
// handler's write failed: only the warning tells, so warnings are collected here.
// Everything echoed is JSON-encoded with HTML-safe flags (escaped output).
declare(strict_types=1);

header('Content-Type: application/json; charset=utf-8');
header('Cache-Control: no-store');

/** A shopping cart (~5 KB) or a large nested structure (~100 KB). */
function session_payload(string $kind): array
{
    $items = [];
    $count = $kind === 'large' ? 250 : 50;
    for ($i = 0; $i < $count; $i++) {
        $item = ['sku' => sprintf('SKU-%06d', $i), 'qty' => $i % 5 + 1, 'price' => round(9.99 + $i * 0.5, 2), 'title' => "Item number $i"];
        if ($kind === 'large') {
            $item['options'] = ['color' => 'blue', 'size' => 'L', 'notes' => str_repeat('x', 100), 'history' => range(1, 10)];
        }
        $items[] = $item;
    }
    return ['items' => $items, 'currency' => 'EUR', 'updated' => 0];
}

/**
 * Runs one session call and collects the warnings it raises. The handler returns false so
 * PHP's own handler still logs them (the concurrency meter reads the error log too).
 */
function session_call(callable $call, array &$warnings)
{
    set_error_handler(static function (int $no, string $message) use (&$warnings): bool {
        $warnings[] = $message;
        return false;
    });
    try {
        return $call();
    } finally {
        restore_error_handler();
    }
}

$node = getenv('NODE_NAME') ?: ($_SERVER['NODE_NAME'] ?? 'unknown');
$readOnly = isset($_GET['read']);
$warnings = [];
$startWarnings = [];
$started = session_call(static fn () => session_start($readOnly ? ['read_and_close' => true] : []), $startWarnings);
$warnings = $startWarnings;
// Like a typical app, carry on even when session_start() failed (Redis down): the answer is
// a 200 with an empty session — the failure that looks like success, which the checker sees.
if (!isset($_SESSION) || !is_array($_SESSION)) {
    $_SESSION = [];
}

// ?work=MS: the request works for MS milliseconds while its session is open (and, with
// locking, locked) — like an app querying a database between session_start() and the end.
if (isset($_GET['work']) && !$readOnly) {
    usleep(max(0, min((int)$_GET['work'], 1000)) * 1000);
}

$written = null;
if (!$readOnly) {
    $_SESSION['visit_count'] = (int)($_SESSION['visit_count'] ?? 0) + 1;
    if (isset($_GET['user']) && is_string($_GET['user']) && !isset($_SESSION['user'])) {
        $_SESSION['user'] = substr($_GET['user'], 0, 128);
    }
    // SESSION_PAYLOAD (pool env): extra data every session carries, read and written with it.
    $payload = getenv('SESSION_PAYLOAD') ?: 'none';
    if ($payload !== 'none' && !isset($_SESSION['payload'])) {
        $_SESSION['payload'] = session_payload($payload);
    }
    if (isset($_GET['set']) && is_string($_GET['set'])) {
        $_SESSION['variableString'] = substr($_GET['set'], 0, 4096);
    }
    // Closed explicitly before answering; without a started session nothing can be written.
    $writeWarnings = [];
    $closed = $started === true && session_status() === PHP_SESSION_ACTIVE
        ? session_call(static fn () => session_write_close(), $writeWarnings)
        : false;
    $written = $closed === true && count($writeWarnings) === 0;
    $warnings = array_merge($warnings, $writeWarnings);
}
$sid = session_id();

$flags = JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT | JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE;
echo json_encode([
    'node' => $node,
    'sid' => $sid,
    'session_started' => $started === true,
    'written' => $written,
    'warnings' => array_slice($warnings, 0, 10),
    'visit_count' => (int)($_SESSION['visit_count'] ?? 0),
    'user' => $_SESSION['user'] ?? null,
    'variableString' => $_SESSION['variableString'] ?? null,
    'handler' => ini_get('session.save_handler'),
    'serializer' => ini_get('session.serialize_handler'),
    'pid' => getmypid(),
], $flags), "\n";
