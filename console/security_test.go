package console_test

import "testing"

func (s *suite) accessibility(t *testing.T)   {}
func (s *suite) csrf(t *testing.T)            {}
func (s *suite) sessionFixation(t *testing.T) {}
func (s *suite) clickjacking(t *testing.T)    {}
func (s *suite) xss(t *testing.T)             {}
func (s *suite) throttling(t *testing.T)      {}
func (s *suite) languages(t *testing.T)       {}
