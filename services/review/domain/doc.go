// Package domain holds the jury's rules as pure functions: who reviews an application, whether a
// review's scores fit the call's grid, and the ranking of a call within its envelope. No I/O, so
// anyone holding the published inputs can recompute every result.
package domain
