<?php
/**
 * Session serializer throughput, measured inside PHP with PHP's real session
 * serializers: session_encode()/session_decode() in a started session (no-op save
 * handler, nothing touches disk or network), one session.serialize_handler at a time.
 *
 * Usage: php serialization-bench.php [--profiles=tiny,cart,large] [--samples=7]
 *        [--sample-ms=100] [--handlers=php,php_binary,php_serialize,igbinary,msgpack]
 * Prints one JSON document on stdout. Everything the build cannot measure is listed in
 * `skipped` with a reason — nothing is left out silently.
 */

declare(strict_types=1);

// Session ini changes are refused once output has started: hold all output until the end.
ob_start();
ini_set('display_errors', 'stderr');
error_reporting(E_ALL);

require __DIR__ . '/session-payloads.php';

require __DIR__ . '/null-session-handler.php';

function psl_fail(string $message): never
{
    ob_end_clean();
    fwrite(STDERR, "serialization-bench: {$message}\n");
    exit(2);
}

/** @param list<float> $xs */
function psl_median(array $xs): float
{
    sort($xs);
    $n = count($xs);
    $mid = intdiv($n, 2);
    return $n % 2 === 1 ? $xs[$mid] : ($xs[$mid - 1] + $xs[$mid]) / 2;
}

/**
 * Runs $op(batch) repeatedly: one warm-up sample, then $samples timed samples of about
 * $sampleMs each. Returns ops/s per sample. Batches keep hrtime() calls out of the
 * per-op cost.
 * @param callable(int): void $op
 * @return list<float>
 */
function psl_measure(callable $op, int $samples, float $sampleMs): array
{
    $sampleNs = $sampleMs * 1e6;
    // Calibrate: grow the batch until one batch takes >= ~1/20 of a sample.
    $batch = 1;
    while (true) {
        $t0 = hrtime(true);
        $op($batch);
        $dt = hrtime(true) - $t0;
        if ($dt >= $sampleNs / 20 || $batch >= 1 << 24) {
            break;
        }
        $batch *= 2;
    }
    $rates = [];
    for ($s = -1; $s < $samples; $s++) { // $s = -1 is the warm-up sample
        $n = 0;
        $t0 = hrtime(true);
        do {
            $op($batch);
            $n += $batch;
            $dt = hrtime(true) - $t0;
        } while ($dt < $sampleNs);
        if ($s >= 0) {
            $rates[] = $n / ($dt / 1e9);
        }
    }
    return $rates;
}

/** @param list<float> $rates @return array{median: float, spreadPct: float, min: float, max: float} */
function psl_summary(array $rates): array
{
    $median = psl_median($rates);
    $mad = psl_median(array_map(static fn (float $r): float => abs($r - $median), $rates));
    return [
        'median' => $median,
        // Spread = median absolute deviation relative to the median, in percent.
        'spreadPct' => $median > 0 ? 100 * $mad / $median : 0.0,
        'min' => min($rates),
        'max' => max($rates),
    ];
}

$opts = getopt('', ['profiles:', 'samples:', 'sample-ms:', 'handlers:']);
$allProfiles = psl_payload_profiles();
$profileNames = isset($opts['profiles']) ? explode(',', (string) $opts['profiles']) : array_keys($allProfiles);
foreach ($profileNames as $p) {
    if (!isset($allProfiles[$p])) {
        psl_fail("unknown profile '{$p}' (known: " . implode(', ', array_keys($allProfiles)) . ')');
    }
}
$samples = (int) ($opts['samples'] ?? 7);
$sampleMs = (float) ($opts['sample-ms'] ?? 100);
if ($samples < 1 || $samples > 1000 || $sampleMs <= 0 || $sampleMs > 60000) {
    psl_fail('--samples must be 1..1000 and --sample-ms 0..60000');
}
$handlers = isset($opts['handlers'])
    ? explode(',', (string) $opts['handlers'])
    : ['php', 'php_binary', 'php_serialize', 'igbinary', 'msgpack'];

ini_set('session.use_cookies', '0');
ini_set('session.use_only_cookies', '0');
ini_set('session.use_strict_mode', '0');
ini_set('session.cache_limiter', '');
ini_set('session.gc_probability', '0');
if (!extension_loaded('session')) {
    psl_fail('the session extension is not loaded in this PHP build');
}
session_set_save_handler(new PslNullSessionHandler(), false);

$phpredis = extension_loaded('redis') ? (string) phpversion('redis') : null;
// phpredis 6.x adds redis.session.compression; 5.3.x compresses only for the Redis class.
$compressionSupported = $phpredis !== null && ini_get('redis.session.compression') !== false;
if ($phpredis === null) {
    $compressionNote = 'phpredis not loaded: session compression (redis.session.compression) cannot be measured';
} elseif (!$compressionSupported) {
    $compressionNote = "phpredis {$phpredis} has no redis.session.compression (added in phpredis 6.0): "
        . 'lzf/zstd/lz4 apply to the Redis class only, never to sessions';
} else {
    $compressionNote = "phpredis {$phpredis} supports redis.session.compression; "
        . 'compressed rows = session_encode() + Redis::_compress() (what the save handler stores)';
}

$rows = [];
$skipped = [];
$compressions = ['none'];
foreach (['lzf', 'zstd', 'lz4'] as $algo) {
    $const = 'Redis::COMPRESSION_' . strtoupper($algo);
    if (!$compressionSupported) {
        $skipped[] = ['handler' => '*', 'compression' => $algo, 'reason' => $compressionNote];
    } elseif (!defined($const)) {
        $skipped[] = ['handler' => '*', 'compression' => $algo,
            'reason' => "phpredis {$phpredis} was built without {$algo} support ({$const} undefined)"];
    } else {
        $compressions[] = $algo;
    }
}

foreach ($handlers as $handler) {
    if (@ini_set('session.serialize_handler', $handler) === false) {
        $ext = in_array($handler, ['igbinary', 'msgpack'], true) ? $handler : null;
        $reason = $ext !== null && !extension_loaded($ext)
            ? "{$ext} extension not loaded in this PHP build (php -m does not list it)"
            : "session.serialize_handler '{$handler}' is not registered in this PHP build";
        $skipped[] = ['handler' => $handler, 'reason' => $reason];
        continue;
    }
    foreach ($compressions as $compression) {
        $redis = null;
        if ($compression !== 'none') {
            $redis = new Redis();
            $redis->setOption(Redis::OPT_COMPRESSION, constant('Redis::COMPRESSION_' . strtoupper($compression)));
        }
        foreach ($profileNames as $profile) {
            session_id('psl-bench');
            if (!session_start()) {
                psl_fail("session_start() failed with handler {$handler}");
            }
            $payload = ($allProfiles[$profile])();
            $_SESSION = $payload;
            $encoded = session_encode();
            if ($encoded === false) {
                $skipped[] = ['handler' => $handler, 'compression' => $compression, 'profile' => $profile,
                    'reason' => 'session_encode() returned false'];
                session_abort();
                continue;
            }
            $stored = $redis ? $redis->_compress($encoded) : $encoded;
            $_SESSION = [];
            $decodedOk = session_decode($redis ? $redis->_uncompress($stored) : $stored);
            if (!$decodedOk || $_SESSION !== $payload) {
                $skipped[] = ['handler' => $handler, 'compression' => $compression, 'profile' => $profile,
                    'reason' => 'round trip failed: session_decode(session_encode()) differs from the payload'];
                session_abort();
                continue;
            }
            $_SESSION = $payload;
            $encode = $redis
                ? static function (int $n) use ($redis): void {
                    for ($i = 0; $i < $n; $i++) { $redis->_compress(session_encode()); }
                }
                : static function (int $n): void {
                    for ($i = 0; $i < $n; $i++) { session_encode(); }
                };
            $decode = $redis
                ? static function (int $n) use ($redis, $stored): void {
                    for ($i = 0; $i < $n; $i++) { session_decode($redis->_uncompress($stored)); }
                }
                : static function (int $n) use ($stored): void {
                    for ($i = 0; $i < $n; $i++) { session_decode($stored); }
                };
            $enc = psl_summary(psl_measure($encode, $samples, $sampleMs));
            $dec = psl_summary(psl_measure($decode, $samples, $sampleMs));
            session_abort();
            $rows[] = [
                'handler' => $handler,
                'compression' => $compression,
                'profile' => $profile,
                'encodeOpsPerSec' => round($enc['median'], 1),
                'decodeOpsPerSec' => round($dec['median'], 1),
                'bytes' => strlen($stored),
                'encodeSpreadPct' => round($enc['spreadPct'], 2),
                'decodeSpreadPct' => round($dec['spreadPct'], 2),
                'samples' => $samples,
                'encodeMinMax' => [round($enc['min'], 1), round($enc['max'], 1)],
                'decodeMinMax' => [round($dec['min'], 1), round($dec['max'], 1)],
            ];
        }
    }
}

$stray = ob_get_clean();
if ($stray !== '' && $stray !== false) {
    fwrite(STDERR, "serialization-bench: unexpected output: {$stray}\n");
}
echo json_encode([
    'schema' => 'php-session-lab/serialization-bench@1',
    'php' => PHP_VERSION,
    'phpredis' => $phpredis,
    'igbinary' => extension_loaded('igbinary') ? (string) phpversion('igbinary') : null,
    'msgpack' => extension_loaded('msgpack') ? (string) phpversion('msgpack') : null,
    'compressionSupported' => $compressionSupported,
    'compressionNote' => $compressionNote,
    'samples' => $samples,
    'sampleMs' => $sampleMs,
    'rows' => $rows,
    'skipped' => $skipped,
], JSON_THROW_ON_ERROR | JSON_PRESERVE_ZERO_FRACTION | JSON_UNESCAPED_SLASHES), "\n";
