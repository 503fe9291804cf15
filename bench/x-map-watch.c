/* x-map-watch.c — reports when top-level windows are mapped, for
 * bench/app-start.py.
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   x-map-watch [X Y W H]   (on $DISPLAY)
 *
 * Listens to the root window's substructure (there is no window manager
 * under the bench's Xvfb, so a client's top-level window is a child of the
 * root and its MapNotify comes straight from the server). Prints `ready`
 * once it listens, then for every mapped window that is not override-redirect
 * (menus, tooltips) one line:
 *
 *   map SECONDS PID 0xWINDOW TITLE
 *
 * SECONDS is CLOCK_MONOTONIC (Python's time.monotonic()), PID the window's
 * _NET_WM_PID or 0. With a region (in the window's coordinates), it then
 * looks at that part of the first mapped window every 5 ms and prints
 * `drawn SECONDS` once text shows there (dark pixels on a mostly light
 * background): for a window that maps first and draws its content later. Runs until
 * killed. Build:
 *   cc -O2 -o x-map-watch x-map-watch.c -lX11
 */
#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* A window that goes away or is smaller than the region: keep going. */
static int
ignore_errors (Display *dpy, XErrorEvent *ev)
{
  (void) dpy;
  (void) ev;
  return 0;
}

static double
now_seconds (void)
{
  struct timespec now;

  clock_gettime (CLOCK_MONOTONIC, &now);
  return (double) now.tv_sec + (double) now.tv_nsec / 1e9;
}

/* Whether the region shows text: mostly a light background (a window
 * not drawn yet is black) with some dark pixels on it. */
static int
region_has_text (Display *dpy, Window w, const int *r)
{
  XImage *img
    = XGetImage (dpy, w, r[0], r[1], (unsigned) r[2], (unsigned) r[3], AllPlanes, ZPixmap);
  long light = 0, dark = 0;

  if (img == NULL)
    return 0;
  for (int y = 0; y < r[3]; y++)
    for (int x = 0; x < r[2]; x++)
      {
        unsigned long p = XGetPixel (img, x, y);
        unsigned sum = ((p >> 16) & 0xff) + ((p >> 8) & 0xff) + (p & 0xff);
        light += sum > 3 * 200;
        dark += sum < 3 * 96;
      }
  XDestroyImage (img);
  return dark > 0 && light > (long) r[2] * r[3] / 2;
}

static unsigned long
window_pid (Display *dpy, Window w, Atom net_wm_pid)
{
  Atom type;
  int format;
  unsigned long n, after, pid = 0;
  unsigned char *data = NULL;

  if (XGetWindowProperty (dpy, w, net_wm_pid, 0, 1, False, XA_CARDINAL, &type, &format, &n, &after,
                          &data)
        == Success
      && data != NULL && n == 1 && format == 32)
    pid = *(unsigned long *) data;
  if (data != NULL)
    XFree (data);
  return pid;
}

static void
print_title (Display *dpy, Window w, Atom net_wm_name, Atom utf8)
{
  Atom type;
  int format;
  unsigned long n, after;
  unsigned char *data = NULL;
  char *name = NULL;

  if (XGetWindowProperty (dpy, w, net_wm_name, 0, 256, False, utf8, &type, &format, &n, &after,
                          &data)
        == Success
      && data != NULL && n > 0)
    printf ("%.*s", (int) n, (char *) data);
  else if (XFetchName (dpy, w, &name) && name != NULL)
    printf ("%s", name);
  if (data != NULL)
    XFree (data);
  if (name != NULL)
    XFree (name);
}

/* Writes the region as a PPM, to check what counted as drawn. */
static void
dump_region (Display *dpy, Window w, const int *r, const char *path)
{
  XImage *img
    = XGetImage (dpy, w, r[0], r[1], (unsigned) r[2], (unsigned) r[3], AllPlanes, ZPixmap);
  FILE *f = fopen (path, "wb");

  if (img != NULL && f != NULL)
    {
      fprintf (f, "P6\n%d %d\n255\n", r[2], r[3]);
      for (int y = 0; y < r[3]; y++)
        for (int x = 0; x < r[2]; x++)
          {
            unsigned long p = XGetPixel (img, x, y);
            fputc ((int) ((p >> 16) & 0xff), f);
            fputc ((int) ((p >> 8) & 0xff), f);
            fputc ((int) (p & 0xff), f);
          }
    }
  if (f != NULL)
    fclose (f);
  if (img != NULL)
    XDestroyImage (img);
}

int
main (int argc, char **argv)
{
  Display *dpy = XOpenDisplay (NULL);
  Atom net_wm_pid, net_wm_name, utf8;
  int region[4], watch = argc == 5, seen = 0;
  Window first = None;

  for (int i = 0; watch && i < 4; i++)
    region[i] = atoi (argv[i + 1]);

  if (dpy == NULL)
    {
      fprintf (stderr, "x-map-watch: cannot open the display\n");
      return 1;
    }
  net_wm_pid = XInternAtom (dpy, "_NET_WM_PID", False);
  net_wm_name = XInternAtom (dpy, "_NET_WM_NAME", False);
  utf8 = XInternAtom (dpy, "UTF8_STRING", False);
  XSetErrorHandler (ignore_errors);
  XSelectInput (dpy, DefaultRootWindow (dpy), SubstructureNotifyMask);
  XSync (dpy, False);
  printf ("ready\n");
  fflush (stdout);
  for (;;)
    {
      XEvent ev;
      struct timespec now;

      if (watch && first != None && !XPending (dpy))
        {
          /* Three looks in a row: a frame caught half drawn does not count. */
          seen = region_has_text (dpy, first, region) ? seen + 1 : 0;
          if (seen == 3)
            {
              if (getenv ("X_MAP_WATCH_DUMP") != NULL)
                dump_region (dpy, first, region, getenv ("X_MAP_WATCH_DUMP"));
              printf ("drawn %.9f\n", now_seconds ());
              fflush (stdout);
              watch = 0;
            }
          else
            usleep (5000);
          continue;
        }
      XNextEvent (dpy, &ev);
      if (ev.type != MapNotify || ev.xmap.override_redirect)
        continue;
      /* The moment the server says so, before any round trip of ours. */
      clock_gettime (CLOCK_MONOTONIC, &now);
      printf ("map %ld.%09ld %lu 0x%lx ", (long) now.tv_sec, now.tv_nsec,
              window_pid (dpy, ev.xmap.window, net_wm_pid), ev.xmap.window);
      print_title (dpy, ev.xmap.window, net_wm_name, utf8);
      printf ("\n");
      fflush (stdout);
      if (first == None)
        first = ev.xmap.window;
    }
}
