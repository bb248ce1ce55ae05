package evaluator

import (
	"fmt"

	jsoniter "github.com/json-iterator/go"
)

// readScalar reads a value of JSON type want with read, the way encoding/json fills a struct
// field: null leaves it unset (set is false), any other type is an error naming the field.
func readScalar[T any](it *jsoniter.Iterator, name, what string, want jsoniter.ValueType, read func(*jsoniter.Iterator) T) (v T, set bool, err error) {
	switch it.WhatIsNext() {
	case want:
		return read(it), true, nil
	case jsoniter.NilValue:
		it.Skip()
		return v, false, nil
	}
	it.Skip()
	return v, false, fmt.Errorf("%s must be %s", name, what)
}

// readInto is readScalar storing the value in *dst unless it was null.
func readInto[T any](it *jsoniter.Iterator, dst *T, name, what string, want jsoniter.ValueType, read func(*jsoniter.Iterator) T) error {
	v, set, err := readScalar(it, name, what, want, read)
	if set {
		*dst = v
	}
	return err
}

// optional returns a pointer to a read value, nil for null.
func optional[T any](v T, set bool, err error) (*T, error) {
	if !set {
		return nil, err
	}
	return &v, nil
}

func readString(it *jsoniter.Iterator, name string, dst *string) error {
	return readInto(it, dst, name, "a string", jsoniter.StringValue, (*jsoniter.Iterator).ReadString)
}

func readOptString(it *jsoniter.Iterator, name string) (*string, error) {
	return optional(readScalar(it, name, "a string", jsoniter.StringValue, (*jsoniter.Iterator).ReadString))
}

func readBool(it *jsoniter.Iterator, name string, dst *bool) error {
	return readInto(it, dst, name, "a boolean", jsoniter.BoolValue, (*jsoniter.Iterator).ReadBool)
}

func readOptBool(it *jsoniter.Iterator, name string) (*bool, error) {
	return optional(readScalar(it, name, "a boolean", jsoniter.BoolValue, (*jsoniter.Iterator).ReadBool))
}

func readFloat(it *jsoniter.Iterator, name string, dst *float64) error {
	return readInto(it, dst, name, "a number", jsoniter.NumberValue, (*jsoniter.Iterator).ReadFloat64)
}

func readOptInt(it *jsoniter.Iterator, name string) (*int, error) {
	return optional(readScalar(it, name, "an integer", jsoniter.NumberValue, (*jsoniter.Iterator).ReadInt))
}

// readObject calls field for each key of the object the iterator is at, until one fails; null
// is an empty object, any other value an error.
func readObject(it *jsoniter.Iterator, what string, field func(it *jsoniter.Iterator, key string) error) error {
	switch it.WhatIsNext() {
	case jsoniter.NilValue:
		it.Skip()
		return nil
	case jsoniter.ObjectValue:
	default:
		it.Skip()
		return fmt.Errorf("%s must be an object", what)
	}
	var err error
	it.ReadObjectCB(func(it *jsoniter.Iterator, key string) bool {
		err = field(it, key)
		return err == nil && it.Error == nil
	})
	return err
}
