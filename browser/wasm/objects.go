//go:build js && wasm

package main

import (
	"syscall/js"
)

// objects are the live Go objects of one type that the page holds. The page
// gets a JavaScript object carrying an id; its methods are shared functions
// of one prototype that look the Go object up by that id, so a closed
// object answers with the closed error instead of calling a released
// function (which would stop the module). Only the JavaScript thread
// touches an objects.
type objects[T comparable] struct {
	live    map[int]T
	proto   js.Value
	methods map[string]func(T, []js.Value) any // by JavaScript name
	closed  func() error                       // what a method of a closed object returns
}

// nextID numbers the objects of every type.
var nextID int

// wrap returns a new JavaScript object for v.
func (o *objects[T]) wrap(v T) js.Value {
	if o.proto.IsUndefined() {
		o.proto = js.Global().Get("Object").New()
		for name, m := range o.methods {
			o.proto.Set(name, js.FuncOf(func(this js.Value, args []js.Value) any {
				var v T
				ok := false
				if this.Type() == js.TypeObject && this.Get("id").Type() == js.TypeNumber {
					v, ok = o.live[this.Get("id").Int()]
				}
				if !ok {
					return jsError(o.closed())
				}
				return m(v, args)
			}))
		}
	}
	if o.live == nil {
		o.live = map[int]T{}
	}
	nextID++
	o.live[nextID] = v
	obj := js.Global().Get("Object").Call("create", o.proto)
	obj.Set("id", nextID)
	return obj
}

// forget drops v: its JavaScript object's methods return the closed error
// from now on.
func (o *objects[T]) forget(v T) {
	for id, x := range o.live {
		if x == v {
			delete(o.live, id)
		}
	}
}
