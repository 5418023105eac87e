// Loaded in <head> without defer, so styles for script-enabled pages apply before first paint.
document.documentElement.classList.add("js");
