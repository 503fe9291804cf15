/* ves-ceiling.c — the ceiling for bench/ves.py: libsodium's secretstream
 * over a file in 64 KiB chunks, as VES uses it, with nothing else (no MIME,
 * no base64). Copyright 2026 The Postern authors; GPL-3.0-or-later.
 *   ves-ceiling encrypt|decrypt < IN > OUT */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 65536

static size_t
read_full (unsigned char *buf, size_t len)
{
  size_t done = 0;
  while (done < len)
    {
      ssize_t n = read (0, buf + done, len - done);
      if (n <= 0)
        break;
      done += (size_t) n;
    }
  return done;
}

int
main (int argc, char **argv)
{
  static unsigned char in[CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES];
  static unsigned char out[CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES];
  unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES] = { 0 };
  unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  crypto_secretstream_xchacha20poly1305_state st;
  unsigned long long n_out;
  unsigned char tag = 0;

  if (sodium_init () < 0 || argc != 2)
    return 2;
  if (strcmp (argv[1], "encrypt") == 0)
    {
      size_t n;
      crypto_secretstream_xchacha20poly1305_init_push (&st, header, key);
      fwrite (header, 1, sizeof header, stdout);
      do
        {
          n = read_full (in, CHUNK);
          crypto_secretstream_xchacha20poly1305_push (
            &st, out, &n_out, in, n, NULL, 0,
            n < CHUNK ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
          fwrite (out, 1, (size_t) n_out, stdout);
        }
      while (n == CHUNK);
      return 0;
    }
  if (read_full (header, sizeof header) != sizeof header
      || crypto_secretstream_xchacha20poly1305_init_pull (&st, header, key) != 0)
    return 1;
  while (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL)
    {
      size_t n = read_full (in, sizeof in);
      if (n == 0 || crypto_secretstream_xchacha20poly1305_pull (&st, out, &n_out, &tag, in, n, NULL, 0) != 0)
        return 1;
      fwrite (out, 1, (size_t) n_out, stdout);
    }
  return 0;
}
